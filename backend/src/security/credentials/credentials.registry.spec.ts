import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialsError, CredentialsRegistry } from './credentials.registry';
import { verifyPassword } from './password-hash';

describe(CredentialsRegistry.name, () => {
  let dir: string;
  let registry: CredentialsRegistry;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dinmeter-credentials-'));
    registry = new CredentialsRegistry(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('add', () => {
    it('should issue a password and a 32-byte command key per meter, stored hashed in one 0600 file', async () => {
      const [a, b] = await registry.add(['m-1', 'm-2']);
      expect(a).toMatchObject({ id: 'm-1', username: 'm-1' });
      expect(a.commandKey).toMatch(/^[0-9a-f]{64}$/);
      expect(a.password).not.toBe(b.password);
      const text = readFileSync(join(dir, 'credentials.json'), 'utf8');
      expect(text).not.toContain(a.password);
      expect(statSync(join(dir, 'credentials.json')).mode & 0o777).toBe(0o600);
      const stored = registry.file.read().identities.find((i) => i.username === 'm-1')!;
      expect(stored.commandKey).toBe(a.commandKey);
      expect(stored.mosquitto).toMatch(/^\$7\$1000\$[A-Za-z0-9+/=]{16}\$[A-Za-z0-9+/=]{88}$/);
      await expect(verifyPassword(a.password, stored.scrypt)).resolves.toBe(true);
      await expect(verifyPassword(b.password, stored.scrypt)).resolves.toBe(false);
    });

    it('should refuse an active id and a bad or reserved id, writing nothing', async () => {
      await registry.add(['m-1']);
      const before = readFileSync(registry.file.path, 'utf8');
      await expect(registry.add(['m-2', 'm-1'])).rejects.toThrow(new CredentialsError('already provisioned: m-1 (rotate to issue a new credential)', 'exists'));
      await expect(registry.add(['bad/id'])).rejects.toThrow(/invalid device id "bad\/id"/);
      await expect(registry.add(['homeassistant'])).rejects.toThrow(/invalid device id "homeassistant"/);
      await expect(registry.add(['m-3', 'm-3'])).rejects.toThrow(/the same device id twice/);
      expect(readFileSync(registry.file.path, 'utf8')).toBe(before);
    });
  });

  describe('rotate and revoke', () => {
    it('should replace the password and command key on rotate, and list without secrets', async () => {
      const [old] = await registry.add(['m-1']);
      const fresh = await registry.rotate('m-1');
      expect(fresh.commandKey).not.toBe(old.commandKey);
      const stored = registry.file.read().identities.find((i) => i.username === 'm-1')!;
      await expect(verifyPassword(old.password, stored.scrypt)).resolves.toBe(false);
      expect(registry.list()).toEqual([{ username: 'm-1', kind: 'meter', createdAt: expect.any(String), rotatedAt: expect.any(String) }]);
    });

    it('should drop the command key on revoke, refuse a second revoke, and let the id be provisioned again', async () => {
      await registry.add(['m-1']);
      expect(registry.revoke('m-1')).toMatchObject({ username: 'm-1', revokedAt: expect.any(String) });
      expect(registry.file.read().identities[0].commandKey).toBeUndefined();
      expect(() => registry.revoke('m-1')).toThrow('no active meter "m-1"');
      await expect(registry.rotate('m-1')).rejects.toThrow('no active meter "m-1"');
      await expect(registry.add(['m-1'])).resolves.toHaveLength(1);
    });
  });

  describe('ensureMeters', () => {
    it('should keep a saved credential that still verifies and re-issue a stale one', async () => {
      const [first] = await registry.ensureMeters([{ id: 'vm-1' }]);
      const [again] = await registry.ensureMeters([{ id: 'vm-1', saved: first }]);
      expect(again).toEqual(first);
      const [stale] = await registry.ensureMeters([{ id: 'vm-1', saved: { password: 'old', commandKey: first.commandKey } }]);
      expect(stale.password).not.toBe(first.password);
    });
  });

  describe('ensureBackend', () => {
    it('should create the backend identity once and keep its password in a 0600 file', async () => {
      const first = await registry.ensureBackend();
      expect(first.username).toBe('dinmeter-backend');
      expect(statSync(join(dir, 'mqtt-backend.password')).mode & 0o777).toBe(0o600);
      await expect(registry.ensureBackend()).resolves.toEqual(first);
    });
  });
});
