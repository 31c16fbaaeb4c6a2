/**
 * The short seeded fuzz of the unit suite (`npm run fuzz` runs the full counts): the backend's MQTT
 * inputs, the meter's command and plan topics, and the REST routes, each a few thousand inputs.
 */
import { encodeMessage, topics, utf8Encode } from '@dinmeter/shared';
import { exampleMessage } from '../../shared/src/protocol/protocol.examples';
import { BackendHarness, startBackend } from './backend-harness';
import { describeChange, heapUsedAfterGc } from './fuzz-run';
import { backendTargets, fuzzBackendMqtt, uncovered } from './mqtt-backend.fuzz';
import { METER_ID, signForMeter, startMeter } from './meter-harness';
import { fuzzMeterMqtt, meterTargets } from './mqtt-meter.fuzz';
import { fuzzRest, writeRoutes } from './rest.fuzz';

const SEED = 20261207;

describe('fuzz', () => {
  let backend: BackendHarness;
  beforeAll(async () => {
    backend = await startBackend();
  }, 30_000);
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

    it('should see the state change a valid status of a new meter causes (the check is not blind)', async () => {
      const before = backend.state();
      backend.bus.publish(topics.status('fz-blind'), Buffer.from(encodeMessage('status', exampleMessage('status'))), false);
      await backend.settle(true);
      expect(describeChange(before, backend.state())).toMatch(/^devices: 1 → 2$/m);
    });

    it('should survive mutated payloads on every inbound topic without a state change for refused ones', async () => {
      const heapBefore = heapUsedAfterGc();
      const result = await fuzzBackendMqtt(backend, { seed: SEED, runs: 1500 });
      expect(result.failure).toBeUndefined();
      expect(result).toEqual({ runs: 1500, failures: 0 });
      expect(heapUsedAfterGc() - heapBefore).toBeLessThan(64 * 1024 * 1024);
    }, 120_000);
  });

  describe('rest', () => {
    it('should find every writing route of the backend', () => {
      const routes = writeRoutes(backend).map((r) => `${r.method} ${r.path}`);
      expect(routes).toContain('post /api/devices/:id/circuits/:circuit/relay');
      expect(routes).toContain('post /api/prices');
      expect(routes.length).toBeGreaterThanOrEqual(9);
    });

    it('should answer hostile bodies, parameters and content types without a 5xx, and change nothing on a 4xx', async () => {
      const result = await fuzzRest(backend, { seed: SEED, runs: 300 });
      expect(result.failure).toBeUndefined();
      expect(result).toEqual({ runs: 300, failures: 0 });
    }, 120_000);
  });

  describe('mqtt meter', () => {
    it('should fuzz every topic the meter subscribes to', () => {
      const meter = startMeter();
      expect(meterTargets(meter.subscriptions).map((t) => t.kind).sort()).toEqual(['cmd', 'cmd', 'heartbeat', 'plan', 'telemetry/ack']);
    });

    it('should see the relay a valid command switches (the check is not blind)', () => {
      const meter = startMeter();
      const before = meter.state();
      meter.core.app.onMessage(topics.cmd(METER_ID), signForMeter('cmd', utf8Encode(encodeMessage('cmd', exampleMessage('cmd')))), false);
      expect(describeChange(before, meter.state())).toMatch(/^outputs: /m);
      expect(meter.badAcks()).toEqual([]);
    });

    it('should keep relays, records and acks sound under mutated commands and plans, unsigned and signed', async () => {
      const meter = startMeter();
      const signedKinds: string[] = [];
      const result = await fuzzMeterMqtt(meter, { seed: SEED, runs: 2000, sign: (kind, bytes) => (signedKinds.push(kind), signForMeter(kind, bytes)) });
      expect(result.failure).toBeUndefined();
      expect(result).toEqual({ runs: 2000, failures: 0 });
      expect(new Set(signedKinds)).toEqual(new Set(['cmd', 'plan']));
      expect(meter.core.log.nextSeq).toBeGreaterThan(10);
    }, 120_000);
  });
});
