import 'reflect-metadata';
import { RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { AppModule } from '../../app.module';
import { loadConfig } from '../../config/app-config';
import { PUBLIC_METADATA, Role, ROLE_METADATA } from '../roles';

interface Route {
  route: string;
  role?: Role;
  public: boolean;
}

/** Every controller the backend serves: AppModule's and those of the modules it imports. */
function controllersOf(module: unknown, seen = new Set<unknown>()): Type[] {
  if (!module || seen.has(module)) return [];
  seen.add(module);
  const dynamic = typeof module === 'object' ? (module as { module: Type; controllers?: Type[]; imports?: unknown[] }) : undefined;
  const cls = (dynamic?.module ?? module) as Type;
  const controllers: Type[] = [...(dynamic?.controllers ?? []), ...(Reflect.getMetadata('controllers', cls) ?? [])];
  const imports: unknown[] = [...(dynamic?.imports ?? []), ...(Reflect.getMetadata('imports', cls) ?? [])];
  return [...controllers, ...imports.flatMap((m) => controllersOf(m, seen))];
}

function routes(): Route[] {
  const out: Route[] = [];
  for (const controller of new Set(controllersOf(AppModule.forRoot(loadConfig({}))))) {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    for (const name of Object.getOwnPropertyNames(controller.prototype)) {
      const handler = controller.prototype[name];
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (method === undefined || name === 'constructor') continue;
      const path = [base, String(Reflect.getMetadata(PATH_METADATA, handler) ?? '')].filter((p) => p && p !== '/').join('/');
      out.push({
        route: `${RequestMethod[method]} /api/${path}`,
        role: Reflect.getMetadata(ROLE_METADATA, handler) ?? Reflect.getMetadata(ROLE_METADATA, controller),
        public: Reflect.getMetadata(PUBLIC_METADATA, handler) === true || Reflect.getMetadata(PUBLIC_METADATA, controller) === true,
      });
    }
  }
  return out;
}

describe('REST route roles', () => {
  const all = routes();

  it('should find the routes of every controller, those of imported modules too', () => {
    expect(all.length).toBeGreaterThan(20);
    expect(all.map((r) => r.route)).toEqual(expect.arrayContaining(['POST /api/devices/:id/circuits/:circuit/relay', 'PUT /api/devices/:id/circuits/:circuit/appliances/:applianceId']));
  });

  it('should give every route that changes something an explicit role', () => {
    const undecided = all.filter((r) => !r.route.startsWith('GET ') && !r.route.startsWith('HEAD ') && r.role === undefined && !r.public);
    expect(undecided.map((r) => r.route)).toEqual([]);
  });

  it('should leave only the health probe, claim redemption (rate limited) and the firmware download (meters hold no token; images are signed) public', () => {
    expect(all.filter((r) => r.public).map((r) => r.route).sort()).toEqual(['GET /api/firmware/:version/image', 'GET /api/health', 'POST /api/claim']);
  });

  it('should ask control for relays, automation and price uploads and admin for configuration and calibration', () => {
    const role = (route: string) => all.find((r) => r.route === route)?.role;
    expect(role('POST /api/devices/:id/circuits/:circuit/relay')).toBe('control');
    expect(role('PUT /api/devices/:id/circuits/:circuit/automation')).toBe('control');
    expect(role('POST /api/prices')).toBe('control');
    expect(role('PUT /api/devices/:id/circuits/:circuit/config')).toBe('admin');
    expect(role('POST /api/devices/:id/circuits/:circuit/calibrate')).toBe('admin');
  });
});
