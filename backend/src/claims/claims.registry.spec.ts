import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialsRegistry } from '../security/credentials/credentials.registry';
import { CLAIMS_FILE } from './claims-file';
import { ClaimError, ClaimsRegistry, REFUSED_MESSAGE } from './claims.registry';

describe(ClaimsRegistry.name, () => {
  let dir: string;
  let now: number;
  let credentials: CredentialsRegistry;
  let claims: ClaimsRegistry;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'claims-'));
    now = Date.parse('2026-12-07T12:00:00Z');
    credentials = new CredentialsRegistry(dir);
    claims = new ClaimsRegistry(dir, credentials, () => now);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const refused = expect.objectContaining({ reason: 'refused', message: REFUSED_MESSAGE });

  describe('create', () => {
    it('should store the hash of the code, never the code', () => {
      const { code, claim } = claims.create({ label: 'kitchen board' });
      expect(claim).toMatchObject({ state: 'open', label: 'kitchen board', expiresAt: '2026-12-08T12:00:00.000Z' });
      const file = readFileSync(join(dir, CLAIMS_FILE), 'utf8');
      expect(file).not.toContain(code);
      expect(file).not.toContain(code.replace('-', ''));
    });

    it('should refuse a bad ttl or device id and write nothing', () => {
      expect(() => claims.create({ ttlMinutes: 0 })).toThrow(/ttlMinutes/);
      expect(() => claims.create({ deviceId: 'no spaces' })).toThrow(/invalid device id/);
      expect(claims.list()).toEqual([]);
    });
  });

  describe('redeem', () => {
    it('should issue a working credential exactly once', async () => {
      const { code } = claims.create({ deviceId: 'meter-01' });
      const { meter, claim } = await claims.redeem(code.toLowerCase(), { hardware: { mac: 'aa:bb' }, address: '10.0.0.9' });
      expect(meter).toMatchObject({ id: 'meter-01', username: 'meter-01' });
      expect(meter.commandKey).toMatch(/^[0-9a-f]{64}$/);
      expect(claim).toMatchObject({ state: 'redeemed', redeemedBy: { deviceId: 'meter-01', hardware: { mac: 'aa:bb' }, address: '10.0.0.9' } });
      expect(credentials.list().find((i) => i.username === 'meter-01')).toBeDefined();
      await expect(claims.redeem(code)).rejects.toEqual(refused);
    });

    it('should let only one of two racing redemptions win', async () => {
      const { code } = claims.create();
      const results = await Promise.allSettled([claims.redeem(code, { deviceId: 'a-1' }), claims.redeem(code, { deviceId: 'a-2' })]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(credentials.list().filter((i) => i.kind === 'meter')).toHaveLength(1);
    });

    it('should take the meter id when the claim has none, or make one', async () => {
      const first = await claims.redeem(claims.create().code, { deviceId: 'garage' });
      const second = await claims.redeem(claims.create().code);
      expect(first.meter.id).toBe('garage');
      expect(second.meter.id).toMatch(/^meter-[0-9a-f]{6}$/);
    });

    it('should refuse expired, revoked and unknown codes alike', async () => {
      const expiring = claims.create({ ttlMinutes: 1 });
      const revoked = claims.create();
      claims.revoke(revoked.claim.id);
      now += 60_000;
      await expect(claims.redeem(expiring.code)).rejects.toEqual(refused);
      await expect(claims.redeem(revoked.code)).rejects.toEqual(refused);
      await expect(claims.redeem('0000-0000')).rejects.toEqual(refused);
      await expect(claims.redeem('not a code')).rejects.toEqual(refused);
      expect(claims.list().map((c) => c.state).sort()).toEqual(['expired', 'revoked']);
    });

    it('should keep the code open when the meter is already provisioned', async () => {
      await credentials.add(['meter-01']);
      const { code, claim } = claims.create({ deviceId: 'meter-01' });
      await expect(claims.redeem(code)).rejects.toMatchObject({ reason: 'conflict' });
      expect(claims.list().find((c) => c.id === claim.id)?.state).toBe('open');
      credentials.revoke('meter-01');
      await expect(claims.redeem(code)).resolves.toMatchObject({ meter: { id: 'meter-01' } });
    });

    it('should refuse a device id other than the one the claim was made for', async () => {
      const { code } = claims.create({ deviceId: 'meter-01' });
      await expect(claims.redeem(code, { deviceId: 'meter-02' })).rejects.toMatchObject({ reason: 'conflict' });
    });

    it('should refuse hardware info that is not a few short strings', async () => {
      const { code } = claims.create();
      await expect(claims.redeem(code, { hardware: { mac: 7 } as never })).rejects.toBeInstanceOf(ClaimError);
      await expect(claims.redeem(code, { hardware: { serial: 'x'.repeat(129) } })).rejects.toMatchObject({ reason: 'invalid' });
      expect(claims.list()[0].state).toBe('open');
    });
  });

  describe('revoke', () => {
    it('should refuse to revoke a used claim', async () => {
      const { code, claim } = claims.create();
      await claims.redeem(code);
      expect(() => claims.revoke(claim.id)).toThrow(/redeemed/);
      expect(() => claims.revoke('nope')).toThrow(/no claim/);
    });
  });
});
