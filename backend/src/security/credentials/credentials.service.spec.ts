import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig } from '../../config/app-config';
import { CredentialsRegistry } from './credentials.registry';
import { CredentialsService } from './credentials.service';
import crypto from 'node:crypto';

describe(CredentialsService.name, () => {
  let dir: string;
  let service: CredentialsService;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dinmeter-credentials-service-'));
    service = new CredentialsService(Object.assign(new AppConfig(), { DATA_DIR: dir }));
  });
  afterEach(() => {
    service.onModuleDestroy();
    jest.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('verify', () => {
    it('should accept the current password, refuse others, and run scrypt once per verified pair', async () => {
      const [meter] = await new CredentialsRegistry(dir).add(['m-1']);
      const scrypt = jest.spyOn(crypto, 'scrypt');
      await expect(service.verify('m-1', Buffer.from(meter.password))).resolves.toMatchObject({ username: 'm-1' });
      await expect(service.verify('m-1', Buffer.from(meter.password))).resolves.toMatchObject({ username: 'm-1' });
      expect(scrypt).toHaveBeenCalledTimes(1);
      await expect(service.verify('m-1', Buffer.from('guess'))).resolves.toBeUndefined();
      await expect(service.verify('m-2', Buffer.from(meter.password))).resolves.toBeUndefined();
    });

    it('should see a revocation made through another registry instance (the CLI) at the next check', async () => {
      const registry = new CredentialsRegistry(dir);
      const [meter] = await registry.add(['m-1']);
      await expect(service.verify('m-1', Buffer.from(meter.password))).resolves.toBeDefined();
      const changes: string[] = [];
      service.onChange((doc) => changes.push(doc.identities.map((i) => `${i.username}:${i.revokedAt ? 'revoked' : 'active'}`).join()));
      registry.revoke('m-1');
      await expect(service.verify('m-1', Buffer.from(meter.password))).resolves.toBeUndefined();
      expect(changes).toEqual(['m-1:revoked']);
      expect(service.keyFor('m-1')).toBeUndefined();
    });
  });

  describe('keyFor', () => {
    it("should give the meter's command key as bytes", async () => {
      const [meter] = await new CredentialsRegistry(dir).add(['m-1']);
      service.reloadIfChanged();
      expect(Buffer.from(service.keyFor('m-1')!).toString('hex')).toBe(meter.commandKey);
      expect(service.keyFor('m-2')).toBeUndefined();
    });
  });
});
