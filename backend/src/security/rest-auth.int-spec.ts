/**
 * REST authentication of the real backend process (docs/security.md, "REST tokens"): 401 without or
 * with a bad token, 403 for a role too low, tokens issued and revoked by the `dinmeter` CLI while the
 * backend runs count at the next request, a client that keeps failing gets 429, and CORS answers
 * only the configured origins.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eventually, SimulatedRig } from '../../../hil-tests/rig/simulated-rig';
import { TokenStore } from './tokens/token-store';

jest.setTimeout(150_000);

const ROOT = join(__dirname, '..', '..', '..');

/** The CLI as a user runs it (npm run --silent dinmeter -- …), minus npm. */
async function dinmeter(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['-r', '@swc-node/register', join(ROOT, 'backend/src/security/dinmeter.cli.ts'), ...args], { cwd: ROOT });
  return stdout;
}

describe('REST authentication (real backend)', () => {
  const rig = new SimulatedRig({ backendEnv: { CORS_ORIGINS: 'https://dash.example:8443' } });
  let tokens: Record<'read' | 'control', string>;

  const call = (method: string, path: string, token?: string, body?: unknown) =>
    fetch(`${rig.restUrl}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  const relayOff = (token?: string) => call('POST', '/devices/vm-1/circuits/3/relay', token, { state: 'off' });

  beforeAll(async () => {
    await rig.start();
    await rig.startMeters({ count: 1, intervalS: 1 });
    const store = TokenStore.inDataDir(rig.backendDataDir);
    tokens = { read: (await store.create('read', 'int-spec')).token, control: (await store.create('control', 'int-spec')).token };
    // The relay routes answer 404 until the meter's first message registered it.
    await eventually(async () => (await call('GET', '/devices/vm-1', tokens.read)).status === 200, 30_000, 'vm-1 registered');
  });

  afterAll(async () => {
    await rig.stop();
  });

  it('should answer the health probe without a token and nothing else', async () => {
    expect((await call('GET', '/health')).status).not.toBe(401);
    const devices = await call('GET', '/devices');
    expect(devices.status).toBe(401);
    expect(devices.headers.get('www-authenticate')).toBe('Bearer realm="dinmeter"');
    expect((await relayOff()).status).toBe(401);
  });

  it('should answer 401 to a bad token', async () => {
    const response = await relayOff(`${tokens.control}A`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    expect((await call('GET', '/devices', 'dmt_made-up')).status).toBe(401);
  });

  it('should let a read token read and refuse it a relay with 403', async () => {
    expect((await call('GET', '/devices', tokens.read)).status).toBe(200);
    const response = await relayOff(tokens.read);
    expect(response.status).toBe(403);
    expect(((await response.json()) as { message: string }).message).toMatch(/needs a control token/);
  });

  it('should switch a relay for a control token', async () => {
    const response = await relayOff(tokens.control);
    expect(response.status).toBe(202);
    const { commandId } = (await response.json()) as { commandId: string };
    expect((await call('GET', `/commands/${commandId}`, tokens.read)).status).toBe(200);
  });

  it('should honour a token the CLI issues while the backend runs at once, and stop it at once when revoked', async () => {
    const created = await dinmeter('token', 'create', '--role', 'control', '--label', 'from the CLI', '--data-dir', rig.backendDataDir);
    const token = created.trimEnd().split('\n').pop()!;
    expect((await relayOff(token)).status).toBe(202);

    const [listed] = (JSON.parse(await dinmeter('token', 'list', '--json', '--data-dir', rig.backendDataDir)) as { id: string; label: string }[]).filter((t) => t.label === 'from the CLI');
    await dinmeter('token', 'revoke', listed.id, '--data-dir', rig.backendDataDir);
    expect((await relayOff(token)).status).toBe(401);
  });

  it('should allow cross-origin calls from the origins of CORS_ORIGINS only', async () => {
    const from = (origin: string) => fetch(`${rig.restUrl}/devices`, { headers: { origin, authorization: `Bearer ${tokens.read}` } });
    expect((await from('https://dash.example:8443')).headers.get('access-control-allow-origin')).toBe('https://dash.example:8443');
    const other = await from('https://evil.example');
    expect(other.status).toBe(200);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${rig.restUrl}/devices/vm-1/circuits/3/relay`, {
      method: 'OPTIONS',
      headers: { origin: 'https://dash.example:8443', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization,content-type');
  });

  // Last: it leaves 127.0.0.1 limited for a minute.
  it('should answer 429 with Retry-After once a client failed 20 times in a minute, and still take a valid token', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await call('GET', '/devices', `dmt_guess-${i}`)).status);

    // The earlier tests failed 5 times already: 15 more are 401, the rest 429.
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(20);
    expect(statuses.slice(-5)).toEqual([429, 429, 429, 429, 429]);
    const limited = await call('GET', '/devices');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect((await call('GET', '/devices', tokens.read)).status).toBe(200);
    expect((await fetch(rig.restUrl.replace(/\/api$/, '/metrics'))).status).toBe(429);
  });
});
