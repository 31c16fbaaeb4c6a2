import { Controller, Delete, Get, INestApplication, Post } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { SseEndpoint } from '../../common/sse';
import { Public, RequireRole } from '../roles';
import { TokenStore } from '../tokens/token-store';
import { AuthFailureLimiter } from './auth-failure-limiter';
import { RestAuthGuard } from './rest-auth.guard';
import { RestAuthService } from './rest-auth.service';

@Controller()
class ProbeController {
  @Get('health')
  @Public()
  health() {
    return { ok: true };
  }

  @Get('devices')
  devices() {
    return [];
  }

  @Post('relay')
  @RequireRole('control')
  relay() {
    return { switched: true };
  }

  @Delete('devices')
  removeAll() {
    return { removed: true };
  }

  @Get('stream')
  @SseEndpoint()
  stream() {
    return { streaming: true };
  }
}

describe(RestAuthGuard.name, () => {
  let dir: string;
  let app: INestApplication;
  let store: TokenStore;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dinmeter-guard-'));
    store = TokenStore.inDataDir(dir);
    for (const role of ['read', 'control', 'admin'] as const) tokens[role] = (await store.create(role)).token;
  });

  beforeEach(async () => {
    const module = await Test.createTestingModule({
      controllers: [ProbeController],
      providers: [
        { provide: TokenStore, useValue: store },
        { provide: AuthFailureLimiter, useValue: new AuthFailureLimiter({ maxFailures: 3, windowMs: 60_000, maxClients: 10 }) },
        RestAuthService,
        { provide: APP_GUARD, useClass: RestAuthGuard },
      ],
    }).compile();
    app = module.createNestApplication({ logger: false });
    await app.init();
  });

  afterEach(async () => {
    await app.close();
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const as = (role: string) => ({ authorization: `Bearer ${tokens[role]}` });

  it('should let anyone call a public route', async () => {
    expect((await request(app.getHttpServer()).get('/health')).status).toBe(200);
  });

  it('should answer 401 with a Bearer challenge without a token or with a bad one, and not run the handler', async () => {
    const none = await request(app.getHttpServer()).post('/relay');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="dinmeter"');
    expect(none.body.switched).toBeUndefined();

    const bad = await request(app.getHttpServer()).post('/relay').set('authorization', `Bearer ${tokens.control}0`);
    expect(bad.status).toBe(401);
    expect(bad.headers['www-authenticate']).toBe('Bearer realm="dinmeter", error="invalid_token"');
    expect((await request(app.getHttpServer()).get('/devices').set('authorization', tokens.read)).status).toBe(401);
  });

  it('should take ?access_token= on an SseEndpoint only (EventSource sends no headers), judged like the header', async () => {
    const server = app.getHttpServer();
    expect((await request(server).get(`/stream?access_token=${tokens.read}`)).status).toBe(200);
    expect((await request(server).get(`/stream?access_token=${tokens.read}0`)).status).toBe(401);
    expect((await request(server).get('/stream')).status).toBe(401);
    expect((await request(server).get(`/devices?access_token=${tokens.read}`)).status).toBe(401);
  });

  it('should take the role a route declares, else read for GET and admin for the rest', async () => {
    const server = app.getHttpServer();
    expect((await request(server).get('/devices').set(as('read'))).status).toBe(200);
    expect((await request(server).post('/relay').set(as('read'))).status).toBe(403);
    expect((await request(server).post('/relay').set(as('control'))).status).toBe(201);
    expect((await request(server).post('/relay').set(as('admin'))).status).toBe(201);
    expect((await request(server).delete('/devices').set(as('control'))).status).toBe(403);
    expect((await request(server).delete('/devices').set(as('admin'))).status).toBe(200);
  });

  it('should say which role a 403 lacked', async () => {
    const response = await request(app.getHttpServer()).post('/relay').set(as('read'));
    expect(response.headers['www-authenticate']).toBe('Bearer error="insufficient_scope", scope="control"');
    expect(response.body.message).toMatch(/this needs a control token; token [0-9a-f]{12} is read/);
  });

  it('should answer 429 with Retry-After once a client failed too often, and still let a valid token through', async () => {
    const server = app.getHttpServer();
    for (let i = 0; i < 3; i++) expect((await request(server).get('/devices').set('authorization', 'Bearer guess')).status).toBe(401);

    const limited = await request(server).get('/devices').set('authorization', 'Bearer guess');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await request(server).get('/devices')).status).toBe(429);
    expect((await request(server).get('/devices').set(as('read'))).status).toBe(200);
  });
});
