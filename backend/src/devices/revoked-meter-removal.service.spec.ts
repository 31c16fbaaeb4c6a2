import { CredentialsService } from '../security/credentials/credentials.service';
import { DevicesService } from './devices.service';
import { RevokedMeterRemovalService } from './revoked-meter-removal.service';

describe(RevokedMeterRemovalService.name, () => {
  /** m1 active, m2 revoked, m3 revoked and added again, legacy unknown to the registry. */
  function setup() {
    const active = new Set(['m1', 'm3']);
    const meters = new Set(['m1', 'm2', 'm3']);
    let listener: (() => void) | undefined;
    const credentials = {
      isMeter: (id: string) => meters.has(id),
      identity: (id: string) => (active.has(id) ? { username: id } : undefined),
      onChange: (l: () => void) => (listener = l),
    } as unknown as CredentialsService;
    const registry = new Set(['m1', 'm2', 'm3', 'legacy']);
    const remove = jest.fn((id: string) => registry.delete(id));
    const devices = { list: () => [...registry].map((id) => ({ id })), remove } as unknown as DevicesService;
    const service = new RevokedMeterRemovalService(credentials, devices);
    return { service, active, remove, registry, change: () => listener!() };
  }

  describe('onApplicationBootstrap', () => {
    it('should remove the meters revoked before the start, and no other device', () => {
      const { service, remove, registry } = setup();
      service.onApplicationBootstrap();
      expect(remove.mock.calls).toEqual([['m2']]);
      expect([...registry]).toEqual(['m1', 'm3', 'legacy']);
    });

    it('should remove a meter revoked later when the credentials file changes', () => {
      const { service, active, remove, change } = setup();
      service.onApplicationBootstrap();
      active.delete('m1');
      change();
      expect(remove.mock.calls).toEqual([['m2'], ['m1']]);
      change();
      expect(remove).toHaveBeenCalledTimes(2);
    });
  });
});
