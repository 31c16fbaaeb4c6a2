/**
 * Every POST/PUT/PATCH/DELETE route of the backend, read from Nest's route metadata (a new route is
 * fuzzed without a change here), through supertest on the in-process app: random and hostile bodies,
 * path parameters and content types. No answer may be a 5xx; a 4xx must change nothing.
 */
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import fc from 'fast-check';
import request from 'supertest';
import { BackendHarness, KNOWN_DEVICE } from './backend-harness';
import { describeChange, FuzzOptions, runSurface, SurfaceResult } from './fuzz-run';

export interface Route {
  method: 'post' | 'put' | 'patch' | 'delete';
  /** Express-style path with the global prefix, e.g. /api/devices/:id/circuits/:circuit/relay. */
  path: string;
}

const WRITES: Partial<Record<RequestMethod, Route['method']>> = {
  [RequestMethod.POST]: 'post',
  [RequestMethod.PUT]: 'put',
  [RequestMethod.PATCH]: 'patch',
  [RequestMethod.DELETE]: 'delete',
};

/** The writing routes of every controller the app has, from the decorators' metadata. */
export function writeRoutes(backend: BackendHarness, prefix = '/api'): Route[] {
  const routes: Route[] = [];
  const join = (...parts: string[]) => `/${parts.flatMap((p) => p.split('/')).filter(Boolean).join('/')}`;
  for (const module of backend.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const type = wrapper.metatype as (new (...args: unknown[]) => unknown) | null;
      if (!type) continue;
      const bases = [Reflect.getMetadata(PATH_METADATA, type) ?? ''].flat() as string[];
      for (const name of Object.getOwnPropertyNames(type.prototype)) {
        const handler = (type.prototype as Record<string, unknown>)[name];
        if (typeof handler !== 'function') continue;
        const method = WRITES[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        const paths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        if (!method || paths === undefined) continue;
        for (const base of bases) for (const path of [paths].flat()) routes.push({ method, path: join(prefix, base, path) });
      }
    }
  }
  return routes;
}

/**
 * Who sends a request: mostly an admin (so the body reaches validation and the handler), sometimes a
 * lower role, no token or a bad one, which must be refused (401/403/429) and change nothing.
 */
function authorization(backend: BackendHarness): fc.Arbitrary<string | undefined> {
  const bearer = (token: string) => `Bearer ${token}`;
  return fc.oneof(
    { arbitrary: fc.constant(bearer(backend.tokens.admin)), weight: 12 },
    { arbitrary: fc.constantFrom(bearer(backend.tokens.read), bearer(backend.tokens.control)), weight: 2 },
    { arbitrary: fc.constantFrom(undefined, '', 'Bearer', 'Bearer dmt_0000', `Basic ${backend.tokens.admin}`, `${bearer(backend.tokens.admin)}x`), weight: 1 },
  );
}

const hostileString = fc.oneof(
  fc.constantFrom('', ' ', '__proto__', 'constructor', 'NaN', 'Infinity', '-1', '1e999', '../../etc/passwd', '%00', '\u202e', '💡', 'x'.repeat(10_000)),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
);
const paramValue = (name: string): fc.Arbitrary<string> => {
  const valid = name === 'id' ? [KNOWN_DEVICE, 'fz-new', 'constructor'] : name === 'circuit' ? ['1', '3', '10'] : ['a1', 'a2'];
  const invalid = name === 'circuit' ? ['0', '11', '-1', '3.5', '1e1', '03', 'NaN', 'x'] : [];
  return fc.oneof({ arbitrary: fc.constantFrom(...valid), weight: 4 }, { arbitrary: fc.constantFrom(...valid, ...invalid), weight: 2 }, { arbitrary: hostileString, weight: 1 });
};

const FIELD_NAMES = ['state', 'on', 'label', 'circuit', 'mode', 'ttl_s', 'ttlSeconds', 'name', 'limit_a', 'gain', 'price', 'prices', 'format', 'area', 'schedule', 'guards', 'credit', 'wh', 'duration', 'power_w', 'deadline', 'settings', '__proto__', 'constructor'];
const weirdJson = fc.oneof(
  fc.constantFrom<unknown>(null, true, 0, -1, 1e308, 'NaN', 'on', 'off', 'ON', '', [], {}, 'x'.repeat(100_000)),
  fc.jsonValue({ maxDepth: 3 }),
);
const body = fc.oneof(
  { arbitrary: fc.dictionary(fc.constantFrom(...FIELD_NAMES), weirdJson, { maxKeys: 5 }).map((o) => JSON.stringify(o)), weight: 60 },
  { arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)), weight: 30 },
  { arbitrary: fc.constantFrom('{', '{"state":', '{"__proto__":{"polluted":true},"state":"off"}', '[]'.repeat(50_000), '{"a":'.repeat(3000), 'null', ''), weight: 20 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 300 }), weight: 20 },
  // Past the 6 MB body limit; rare, each costs a 7 MB upload.
  { arbitrary: fc.constant(`{"label":"${'x'.repeat(7 * 1024 * 1024)}"}`), weight: 1 },
);
const contentType = fc.constantFrom(
  'application/json',
  'application/json',
  'application/json; charset=utf-16',
  'text/plain',
  'text/csv',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  undefined,
);

export async function fuzzRest(backend: BackendHarness, options: FuzzOptions): Promise<SurfaceResult> {
  const routes = writeRoutes(backend);
  if (routes.length === 0) return { runs: 0, failures: 1, failure: 'no writing routes found' };
  const server = backend.app.getHttpServer();
  const input = fc.nat(routes.length - 1).chain((i) => {
    const route = routes[i];
    const names = [...route.path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]);
    return fc.tuple(fc.constant(route), fc.tuple(...names.map(paramValue)), body, contentType, authorization(backend));
  });
  return runSurface(
    input,
    async ([route, params, text, type, auth]) => {
      let i = 0;
      const url = route.path.replace(/:[A-Za-z]+/g, () => encodeURIComponent(params[i++]));
      const before = backend.state();
      let call = request(server)[route.method](url);
      if (auth !== undefined) call = call.set('authorization', auth);
      if (type) call = call.set('content-type', type);
      const response = await call.send(text);
      await backend.settle(response.status < 400);
      const who = auth === `Bearer ${backend.tokens.admin}` ? 'admin' : JSON.stringify(auth?.slice(0, 20));
      const where = `${route.method.toUpperCase()} ${url.slice(0, 200)} (${type ?? 'no content type'}, ${text.length} bytes, ${who})`;
      if (response.status >= 500) return `${where} answered ${response.status}: ${JSON.stringify(response.body).slice(0, 500)}`;
      // Nest logs a refused body (413 PayloadTooLargeError) at error level; the status is what counts here.
      backend.errorsLogged.splice(0);
      const after = backend.state();
      if (response.status >= 400 && after !== before) return `${where} answered ${response.status} but changed state:\n${describeChange(before, after)}`;
      return undefined;
    },
    options,
  );
}
