import { PacedPublisher, RetainedMessage } from './paced-publisher';

/** A client whose publishes stay unacknowledged until the test acks them; `sent` is the order handed over. */
function client() {
  const sent: string[] = [];
  const pending: { topic: string; ack: () => void; fail: (e: Error) => void }[] = [];
  const publish = (m: RetainedMessage) =>
    new Promise<void>((ack, fail) => {
      sent.push(m.topic);
      pending.push({ topic: m.topic, ack, fail });
    });
  /** Acknowledges the oldest unacknowledged publishes, then lets the callbacks and the next pump run. */
  const ackOldest = async (n: number) => {
    for (const p of pending.splice(0, n)) p.ack();
    for (let k = 0; k < 5; k++) await Promise.resolve();
    await turn();
  };
  return { sent, pending, publish, ackOldest };
}

/** One event-loop turn: the publisher hands messages over from setImmediate. */
const turn = () => new Promise((resolve) => setImmediate(resolve));
const messages = (prefix: string, n: number) => Array.from({ length: n }, (_, k) => ({ topic: `${prefix}/${k}`, payload: 'x' }));

describe(PacedPublisher.name, () => {
  describe('enqueue', () => {
    it('should hand over at most maxInFlight messages, from a later event-loop turn, so a publish made meanwhile goes first', async () => {
      const c = client();
      const paced = new PacedPublisher(c.publish, 4);
      void paced.enqueue(messages('config', 1000));
      // A relay command published by the same process after the bulk was queued:
      void c.publish({ topic: 'command', payload: '{}' });
      expect(c.sent).toEqual(['command']);

      await turn();
      expect(c.sent).toEqual(['command', 'config/0', 'config/1', 'config/2', 'config/3']);
      c.pending.shift()!.ack(); // the command
      await c.ackOldest(2);
      expect(c.sent.slice(5)).toEqual(['config/4', 'config/5']);
      expect(c.pending).toHaveLength(4);
    });

    it('should publish jobs in the order given and resolve each once all its messages are acknowledged', async () => {
      const c = client();
      const paced = new PacedPublisher(c.publish, 2);
      const done: string[] = [];
      void paced.enqueue(messages('a', 3)).then(() => done.push('a'));
      void paced.enqueue(messages('b', 2)).then(() => done.push('b'));

      await turn();
      while (c.pending.length > 0) await c.ackOldest(1);

      expect(c.sent).toEqual(['a/0', 'a/1', 'a/2', 'b/0', 'b/1']);
      expect(done).toEqual(['a', 'b']);
      expect(paced.pending).toBe(0);
    });

    it('should build a job given as a function only when its turn comes', async () => {
      const c = client();
      const paced = new PacedPublisher(c.publish, 2);
      let label = 'old';
      const build = jest.fn(() => messages(label, 1));
      void paced.enqueue(messages('a', 3));
      const second = paced.enqueue(build);
      await turn();
      expect(build).not.toHaveBeenCalled();
      label = 'new';

      while (c.pending.length > 0) await c.ackOldest(1);
      await expect(second).resolves.toBeUndefined();
      expect(build).toHaveBeenCalledTimes(1);
      expect(c.sent.at(-1)).toBe('new/0');
    });

    it('should reject a job with its first failure, drop its unsent messages and go on with the next job', async () => {
      const c = client();
      const paced = new PacedPublisher(c.publish, 1);
      const first = paced.enqueue(messages('a', 3));
      const second = paced.enqueue(messages('b', 1));
      await turn();

      c.pending.shift()!.fail(new Error('not connected'));
      await expect(first).rejects.toThrow('not connected');
      await turn();
      await c.ackOldest(1);
      await expect(second).resolves.toBeUndefined();
      expect(c.sent).toEqual(['a/0', 'b/0']);
    });

    it('should reject a job whose build throws, and go on with the next job', async () => {
      const c = client();
      const paced = new PacedPublisher(c.publish);
      const first = paced.enqueue(() => {
        throw new Error('bad meter');
      });
      const second = paced.enqueue(messages('b', 1));
      await expect(first).rejects.toThrow('bad meter');
      await turn();
      await c.ackOldest(1);
      await expect(second).resolves.toBeUndefined();
      expect(c.sent).toEqual(['b/0']);
    });

    it('should resolve an empty job without publishing', async () => {
      const c = client();
      await expect(new PacedPublisher(c.publish).enqueue([])).resolves.toBeUndefined();
      await expect(new PacedPublisher(c.publish).enqueue(() => [])).resolves.toBeUndefined();
      expect(c.sent).toEqual([]);
    });
  });

  it('should refuse a maxInFlight that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => new PacedPublisher(client().publish, bad)).toThrow(`maxInFlight must be a positive integer, got ${bad}`);
  });
});
