/**
 * The short seeded fuzz of the unit suite (`npm run fuzz` runs the full counts): the backend's MQTT
 * inputs, the meter's command and plan topics, and the REST routes, each a few thousand inputs.
 */
import { BackendHarness, startBackend } from './backend-harness';
import { heapUsedAfterGc } from './fuzz-run';
import { backendTargets, fuzzBackendMqtt, uncovered } from './mqtt-backend.fuzz';

const SEED = 20261207;

describe('fuzz', () => {
  let backend: BackendHarness;
  beforeAll(async () => {
    backend = await startBackend();
  });
  afterAll(async () => {
    await backend.close();
  });

  describe('mqtt backend', () => {
    it('should cover every topic filter the backend subscribes to', () => {
      const subscriptions = backend.bus.subscriptions();
      expect(subscriptions.length).toBeGreaterThanOrEqual(7);
      expect(uncovered(subscriptions, backendTargets())).toEqual([]);
      expect(uncovered(['dinmeter/+/brand-new'], backendTargets())).toEqual(['dinmeter/+/brand-new']);
    });

    it('should survive mutated payloads on every inbound topic without a state change for refused ones', async () => {
      const heapBefore = heapUsedAfterGc();
      const result = await fuzzBackendMqtt(backend, { seed: SEED, runs: 2000 });
      expect(result.failure).toBeUndefined();
      expect(result).toEqual({ runs: 2000, failures: 0 });
      expect(heapUsedAfterGc() - heapBefore).toBeLessThan(64 * 1024 * 1024);
    }, 120_000);
  });
});
