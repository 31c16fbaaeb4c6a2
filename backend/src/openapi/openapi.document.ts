import { INestApplication, Type } from '@nestjs/common';
import { METHOD_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { OperationObject, ResponseObject } from '@nestjs/swagger';
import { PUBLIC_METADATA, Role, ROLE_METADATA } from '../security/roles';
import { object, str } from './schema';
import { describeValidatedProperties } from './validation-properties';

export const BEARER = 'bearer';

/** Nest's error body (HttpException), the same for every error status. */
const ERROR_SCHEMA = object({
  statusCode: { type: 'integer' },
  message: { oneOf: [str, { type: 'array', items: str }], description: 'what was wrong; a list for several validation errors' },
  'error?': str,
});

const header = (description: string, type = 'string') => ({ description, schema: { type } });

/**
 * The errors every route may answer, by what the route has (the token guard is security/rest-auth);
 * routes declare the others (409, 415, 503) themselves.
 */
const ERRORS: { status: number; response: ResponseObject; applies: (route: RouteFacts) => boolean }[] = [
  { status: 400, response: { description: 'Invalid path parameter, query or body: `message` lists every problem; nothing changed.' }, applies: (r) => r.hasInput },
  {
    status: 401,
    response: { description: 'No bearer token, or one the backend does not know.', headers: { 'WWW-Authenticate': header('Bearer realm="dinmeter" (error="invalid_token" for an unknown or revoked token)') } },
    applies: (r) => r.role !== 'public',
  },
  {
    status: 403,
    response: { description: "The token's role does not cover the role this route needs (x-required-role).", headers: { 'WWW-Authenticate': header('Bearer error="insufficient_scope", scope=<the role needed>') } },
    applies: (r) => r.role !== 'public' && r.role !== 'read',
  },
  { status: 404, response: { description: 'No such meter (or command, appliance, analysis) yet.' }, applies: (r) => r.hasPathParameter },
  {
    status: 429,
    response: { description: 'This client failed to authenticate too often: wait Retry-After seconds.', headers: { 'Retry-After': header('seconds', 'integer') } },
    applies: (r) => r.role !== 'public',
  },
];

interface RouteFacts {
  role: Role | 'public';
  hasInput: boolean;
  hasPathParameter: boolean;
}

/**
 * The OpenAPI document of the REST API, as served on /api-json and committed as docs/openapi.json.
 * Bodies and queries come from the DTOs' validation rules; responses from each route's
 * @ApiResponse; the role a route needs from its RequireRole/Public metadata (security/roles.ts),
 * read here so the document follows whatever the security guard enforces. Needs the app created
 * (NestFactory.create), not listening.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  describeValidatedProperties();
  const config = new DocumentBuilder()
    .setTitle('dinmeter REST API')
    .setVersion('1')
    .setDescription(
      'Meters, circuits, relays, automation, prices and appliances of the dinmeter backend. ' +
        'Routes need `Authorization: Bearer <token>` (those with `x-required-role: public` do not); the role a route needs is in `x-required-role` ' +
        '(read < control < admin, each includes the ones before). Timestamps: ISO 8601 or ms since the epoch as stated. ' +
        'The MQTT side is described by docs/asyncapi.json; integrations: docs/integrations.md.',
    )
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'A REST token: npm run dinmeter -- token create --role read|control|admin (docs/security.md)' }, BEARER)
    .build();
  const document = SwaggerModule.createDocument(app, config, { operationIdFactory: (controller, method) => `${controller}_${method}` });
  const handlers = routeHandlers(app);
  document.components = { ...document.components, schemas: { ...document.components?.schemas, Error: ERROR_SCHEMA } };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item) as [string, RoleOperation][]) {
      if (!operation?.responses) continue;
      const handler = handlers.get(operation.operationId ?? '');
      if (!handler) throw new Error(`OpenAPI: no handler found for ${method.toUpperCase()} ${path} (${operation.operationId})`);
      describeAccess(operation, handler, method);
      const validatedPath = describePathParameters(operation, handler);
      const route: RouteFacts = {
        role: operation['x-required-role'] ?? 'admin',
        hasInput: validatedPath || operation.requestBody !== undefined || (operation.parameters ?? []).some((p) => 'in' in p && p.in === 'query'),
        hasPathParameter: path.includes('{'),
      };
      for (const error of ERRORS) {
        if (error.applies(route) && !operation.responses[error.status]) operation.responses[error.status] = { ...error.response };
      }
      textBodiesAreStrings(operation);
      for (const [status, response] of Object.entries(operation.responses) as [string, ResponseObject][]) {
        if (Number(status) >= 400 && !response.content) response.content = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };
      }
    }
  }
  return sortKeys(document);
}

/** A body of a non-JSON media type reaches the route as text (main.ts's text parser): its schema is a string. */
function textBodiesAreStrings(operation: OperationObject): void {
  const body = operation.requestBody;
  if (!body || !('content' in body)) return;
  for (const [media, content] of Object.entries(body.content)) {
    if (!/[/+]json$/.test(media)) content.schema = { type: 'string' };
  }
}

/** An operation with the extension that carries the role it needs. */
type RoleOperation = OperationObject & { 'x-required-role'?: Role | 'public' };

/** x-required-role and the security requirement from the route's metadata (handler first, then its controller). */
function describeAccess(operation: RoleOperation, handler: Handler, verb: string): void {
  const read = <T>(key: string): T | undefined => Reflect.getMetadata(key, handler.method) ?? Reflect.getMetadata(key, handler.controller);
  if (read<boolean>(PUBLIC_METADATA)) {
    operation['x-required-role'] = 'public';
    operation.security = [];
    return;
  }
  const role = read<Role>(ROLE_METADATA) ?? (verb === 'get' || verb === 'head' ? 'read' : 'admin');
  operation['x-required-role'] = role;
  operation.security = [{ [BEARER]: [] }];
  operation.description = [operation.description, `Needs role **${role}**.`].filter(Boolean).join('\n\n');
}

/**
 * Path parameters get the schema their validating pipe declares (`static openApiSchema`, e.g.
 * CircuitParamPipe). True when a pipe validates any of them (the route can answer 400).
 */
function describePathParameters(operation: OperationObject, handler: Handler): boolean {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, handler.controller, handler.name) ?? {}) as Record<string, { data?: string; pipes?: unknown[] }>;
  let validated = false;
  for (const [key, arg] of Object.entries(args)) {
    if (Number(key.split(':')[0]) !== RouteParamtypes.PARAM || !arg.pipes?.length) continue;
    validated = true;
    const schema = arg.pipes.map((pipe) => (pipe as { openApiSchema?: object }).openApiSchema).find(Boolean);
    const parameter = operation.parameters?.find((p) => 'in' in p && p.in === 'path' && p.name === arg.data);
    if (schema && parameter && 'in' in parameter) parameter.schema = { ...schema } as typeof parameter.schema;
  }
  return validated;
}

interface Handler {
  name: string;
  method: (...args: never[]) => unknown;
  controller: Type<unknown>;
}

/** operationId (Controller_method) → the handler function and its controller class. */
function routeHandlers(app: INestApplication): Map<string, Handler> {
  const out = new Map<string, Handler>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type<unknown>;
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const method = (controller.prototype as Record<string, unknown>)[name];
        if (typeof method === 'function' && Reflect.getMetadata(METHOD_METADATA, method) !== undefined) {
          out.set(`${controller.name}_${name}`, { name, method: method as Handler['method'], controller });
        }
      }
    }
  }
  return out;
}

/** Object keys sorted (arrays kept in order): the committed file does not change with declaration order. */
function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortKeys) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  ) as T;
}
