import Aedes from 'aedes';
import mqemitter, { MQEmitter } from 'mqemitter';
import { unqueuedEmitter } from './broker-emitter';

/**
 * The burst that took the backend down (issue 12): 100 deliveries pending on a slow subscriber, then
 * thousands of publishes that match no subscriber, through a real aedes broker.
 */
async function burst(broker: Aedes, unmatched: number): Promise<number> {
  await new Promise<void>((done) => broker.subscribe('dinmeter/+/telemetry', (_packet, cb) => setImmediate(cb), done));
  const publish = (topic: string) =>
    new Promise<void>((done, fail) => broker.publish({ cmd: 'publish', topic, payload: Buffer.from('x'), qos: 0, retain: false, dup: false }, (error) => (error ? fail(error) : done())));
  const all: Promise<void>[] = [];
  for (let k = 0; k < 100; k++) all.push(publish(`dinmeter/m${k}/telemetry`));
  for (let k = 0; k < unmatched; k++) all.push(publish(`dinmeter/m${k}/telemetry/ack`));
  await Promise.all(all);
  return all.length;
}

describe(unqueuedEmitter.name, () => {
  let broker: Aedes | undefined;
  afterEach(async () => {
    await new Promise<void>((done) => (broker ? broker.close(() => done()) : done()));
    broker = undefined;
  });

  it('should deliver a burst of 20,000 unmatched publishes behind 100 slow deliveries without deep recursion', async () => {
    broker = new Aedes({ mq: unqueuedEmitter() });
    await expect(burst(broker, 20_000)).resolves.toBe(20_100);
  });

  it('should reproduce the overflow with aedes’ default queued emitter (what this replaces)', () => {
    // The same burst on mqemitter's queue, drained by hand so the overflow is caught here.
    const queued = mqemitter({ concurrency: 100, matchEmptyLevels: true }) as unknown as MQEmitter & { _released(): void; _messageQueue: unknown[]; _messageCallbacks: unknown[] };
    queued.on('dinmeter/+/telemetry', () => undefined); // never completes: 100 deliveries stay pending
    for (let k = 0; k < 100; k++) queued.emit({ topic: `dinmeter/m${k}/telemetry` });
    for (let k = 0; k < 20_000; k++) queued.emit({ topic: `dinmeter/m${k}/telemetry/ack` });
    expect(queued._messageQueue.length).toBe(20_000);
    expect(() => queued._released()).toThrow(/Maximum call stack size exceeded/);
    queued._messageQueue.length = 0;
    queued._messageCallbacks.length = 0;
  });
});
