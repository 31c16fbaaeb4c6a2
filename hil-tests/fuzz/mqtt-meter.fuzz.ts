/**
 * Every topic the meter subscribes to (cmd, plan, telemetry/ack, the backend heartbeat), fed mutated
 * payloads through MeterApp.onMessage, unsigned and passed through `sign` (identity until cmd/plan
 * carry a MAC). A payload the protocol refuses must not move a relay, lose a record or adopt a plan;
 * acks carry only known codes; nothing throws.
 */
import { decodeMessage, deviceTopic, MessageKind, parseDeviceTopic, topics } from '@dinmeter/shared';
import fc from 'fast-check';
import { exampleMessage } from '../../shared/src/protocol/protocol.examples';
import { describeChange, FuzzOptions, runSurface, SurfaceResult } from './fuzz-run';
import { MeterHarness, Signer, signForMeter } from './meter-harness';
import { Json, mutatedPayload } from './mutations';

interface MeterTarget {
  topic: string;
  kind: MessageKind;
}

/** The meter's subscriptions as targets (plus another meter's cmd topic, which must be ignored). */
export function meterTargets(subscriptions: readonly string[]): MeterTarget[] {
  const targets = subscriptions.map((topic): MeterTarget => {
    if (topic === topics.heartbeat()) return { topic, kind: 'heartbeat' };
    const parsed = parseDeviceTopic(topic);
    if (!parsed) throw new Error(`the meter subscribes to ${topic}: add it to meterTargets()`);
    return { topic, kind: parsed.kind };
  });
  return [...targets, { topic: deviceTopic('fz-other', 'cmd'), kind: 'cmd' }];
}

export async function fuzzMeterMqtt(meter: MeterHarness, options: FuzzOptions & { sign?: Signer }): Promise<SurfaceResult> {
  const sign = options.sign ?? signForMeter;
  const targets = meterTargets(meter.subscriptions);
  const input = fc.nat(targets.length - 1).chain((i) => {
    const example = exampleMessage(targets[i].kind) as unknown as Json;
    return fc.tuple(fc.constant(targets[i]), mutatedPayload(JSON.stringify(example), example), fc.boolean(), fc.boolean());
  });
  let n = 0;
  return runSurface(
    input,
    async ([target, raw, retained, signed]) => {
      const kind = target.kind;
      const macChecked = kind === 'cmd' || kind === 'plan';
      const payload = signed && macChecked ? sign(kind, raw) : raw;
      const own = target.topic !== deviceTopic('fz-other', 'cmd');
      // What may change: a signed command or plan the protocol accepts (a retained command never
      // applies), an ack the protocol accepts (records acked are released), a heartbeat.
      const accepted = own && (!macChecked || signed) && decodeMessage(kind, raw).ok && !(kind === 'cmd' && retained);
      const before = meter.state();
      meter.core.app.onMessage(target.topic, payload, retained);
      const after = meter.state();
      if (!accepted && after !== before) return `refused input changed the meter on ${target.topic}:\n${describeChange(before, after)}`;
      const bad = meter.badAcks();
      if (bad.length > 0) return `ack with an unknown code: ${bad.join(' ')}`;
      // Time passes now and then: records keep being written and none goes missing.
      if (++n % 50 === 0) {
        meter.advance(2000);
        if (!meter.recordsIntact()) return 'the record log lost a record';
      }
      return undefined;
    },
    options,
  );
}

