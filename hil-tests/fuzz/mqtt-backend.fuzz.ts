/**
 * Every topic the backend subscribes to, fed mutated payloads through the in-memory bus into the
 * backend's own MQTT clients. A payload the protocol refuses must change nothing (backend-harness.ts
 * `state()`); nothing may throw, reject unhandled or log an error.
 */
import {
  DEVICE_TOPIC_KINDS,
  DeviceTopicKind,
  decodeMessage,
  deviceTopic,
  haDiscoveryTopic,
  haObjectId,
  haRelaySetTopic,
  haTripResetTopic,
  haFirmwareInstallTopic,
  haStatusTopic,
  MessageKind,
  parseDeviceTopic,
  parseHaRelaySetTopic,
  topics,
} from '@dinmeter/shared';
import fc from 'fast-check';
import { parseLease } from '../../backend/src/leader/lease-election';
import { parseHaRelayPayload } from '../../backend/src/homeassistant/ha-discovery';
import { parseStoredNotice } from '../../backend/src/ingest/ingest-peers';
import { exampleMessage, EXAMPLE_TS } from '../../shared/src/protocol/protocol.examples';
import { BackendHarness, KNOWN_DEVICE } from './backend-harness';
import { filterMatches } from './in-memory-mqtt';
import { describeChange, FuzzOptions, runSurface, SurfaceResult } from './fuzz-run';
import { Json, mutatedPayload } from './mutations';

export interface BackendTarget {
  topic: string;
  /** A payload the topic's owner would send. */
  valid: string;
  example?: Json;
  /** May this input change state? (What the backend's parsers accept; everything else must not.) */
  mayChange(payload: Uint8Array, retained: boolean, knows: (deviceId: string) => boolean): boolean;
}

/** Device ids: known, new, prototype names, reserved and invalid ones (the last two never match a device topic). */
const DEVICE_IDS = [KNOWN_DEVICE, 'fz-new', 'constructor', 'toString', 'hasOwnProperty', 'backend', '__proto__', 'a/b', '+', ''];
/** As the backend's plain-text handlers read a payload (Buffer#toString: bad UTF-8 becomes U+FFFD). */
const text = (payload: Uint8Array) => Buffer.from(payload).toString('utf8');

/** A device topic for any id, valid or not (deviceTopic refuses the invalid ones, which is what we test). */
function anyDeviceTopic(id: string, kind: DeviceTopicKind): string {
  return deviceTopic(KNOWN_DEVICE, kind).replace(`/${KNOWN_DEVICE}/`, `/${id}/`);
}

/**
 * The topic list, from shared/src/protocol/topics.ts: every device kind for every id above, every
 * Home Assistant relay topic (and circuits out of range), HA status, and the backend's own topics.
 * `uncovered()` fails the run when the backend subscribes to something not listed here.
 */
export function backendTargets(): BackendTarget[] {
  const targets: BackendTarget[] = [];
  for (const kind of DEVICE_TOPIC_KINDS) {
    const messageKind: MessageKind = kind;
    const example = exampleMessage(messageKind) as unknown as Json;
    for (const id of DEVICE_IDS) {
      const topic = anyDeviceTopic(id, kind);
      const inbound = parseDeviceTopic(topic) !== undefined && ['status', 'telemetry', 'telemetry/batch', 'events', 'cmd/ack', 'relays'].includes(kind);
      targets.push({ topic, valid: JSON.stringify(example), example, mayChange: (p) => inbound && decodeMessage(messageKind, p).ok });
    }
  }
  for (const id of [KNOWN_DEVICE, 'fz-new', 'constructor']) {
    for (let circuit = 1; circuit <= 10; circuit++) {
      const topic = haRelaySetTopic(id, circuit);
      targets.push({ topic, valid: 'OFF', mayChange: (p, retained, knows) => !retained && parseHaRelayPayload(text(p)) !== undefined && knows(id) });
    }
    for (let circuit = 1; circuit <= 10; circuit++) {
      // A trip reset of a known meter becomes a command (any payload: the topic is the request).
      targets.push({ topic: haTripResetTopic(id, circuit), valid: 'PRESS', mayChange: (_p, retained, knows) => !retained && knows(id) });
    }
    targets.push({ topic: topics.haTriggers(id), valid: '{}', mayChange: () => false });
    // Home Assistant's update entity: "install" for a known meter may start a rollout of the newest image.
    targets.push({ topic: haFirmwareInstallTopic(id), valid: 'install', mayChange: (_p, retained, knows) => !retained && knows(id) });
    for (const circuit of ['0', '11', '99', '-1', '1.5', '01', 'x']) {
      const topic = haRelaySetTopic(id, 1).replace('/ha/1/', `/ha/${circuit}/`);
      if (parseHaRelaySetTopic(topic)) throw new Error(`${topic} should not parse`);
      targets.push({ topic, valid: 'OFF', mayChange: () => false });
    }
  }
  targets.push({ topic: haStatusTopic(), valid: 'online', mayChange: () => false }); // re-publishes the same configs
  targets.push({ topic: haDiscoveryTopic('switch', haObjectId(KNOWN_DEVICE, 'c3_relay')), valid: '{"name":"x"}', mayChange: () => false });
  const notice = { v: 1, from: 'dinmeter-backend-other', device: KNOWN_DEVICE, records: [[1, 2]] };
  targets.push({ topic: topics.ingestStored(), valid: JSON.stringify(notice), example: notice, mayChange: (p) => parseStoredNotice(text(p)) !== undefined });
  const lease = { v: 1, holder: 'dinmeter-backend-other', ttl_ms: 15000, ts: EXAMPLE_TS };
  // An empty retained lease is the broker's "no lease": it may end the current holder's lease.
  targets.push({ topic: topics.automationLease(), valid: JSON.stringify(lease), example: lease, mayChange: (p) => p.length === 0 || parseLease(text(p)) !== undefined });
  // Other backend instances announce themselves here: their status is not state this instance compares.
  targets.push({ topic: topics.backendStatus(), valid: '{"v":1,"online":true}', mayChange: () => true });
  const heartbeat = exampleMessage('heartbeat') as unknown as Json;
  targets.push({ topic: topics.heartbeat(), valid: JSON.stringify(heartbeat), example: heartbeat, mayChange: () => false });
  targets.push({ topic: topics.applianceState(KNOWN_DEVICE, 3, 'a1'), valid: '{"state":"running"}', mayChange: () => false });
  return targets;
}

/** Subscription filters of the backend that no target topic matches (must be empty). */
export function uncovered(subscriptions: string[], targets: BackendTarget[]): string[] {
  return subscriptions.filter((filter) => !targets.some((t) => filterMatches(filter, t.topic)));
}

export async function fuzzBackendMqtt(backend: BackendHarness, options: FuzzOptions): Promise<SurfaceResult> {
  const targets = backendTargets();
  const missing = uncovered(backend.bus.subscriptions(), targets);
  if (missing.length > 0) return { runs: 0, failures: 1, failure: `backend subscribes to ${missing.join(', ')}: add it to backendTargets()` };
  const input = fc.nat(targets.length - 1).chain((i) => fc.tuple(fc.constant(targets[i]), mutatedPayload(targets[i].valid, targets[i].example), fc.boolean()));
  return runSurface(
    input,
    async ([target, payload, retained]) => {
      const before = backend.state();
      const mayChange = target.mayChange(payload, retained, backend.knows);
      backend.bus.publish(target.topic, Buffer.from(payload), retained);
      await backend.settle(mayChange);
      if (backend.errorsLogged.length > 0) return `logged an error on ${target.topic}: ${backend.errorsLogged.splice(0).join('\n')}`;
      const after = backend.state();
      if (!mayChange && after !== before) return `refused input changed state on ${target.topic}:\n${describeChange(before, after)}`;
      if (mayChange && target.topic === topics.automationLease()) backend.reclaimLease();
      return undefined;
    },
    options,
  );
}
