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
  /** Acknowledges the oldest unacknowledged publishes, then lets the callbacks run. */
  const ackOldest = async (n: number) => {
    for (const p of pending.splice(0, n)) p.ack();
    for (let k = 0; k < 5; k++) await Promise.resolve();
  };
  return { sent, pending, publish, ackOldest };
}

const messages = (prefix: string, n: number) => Array.from({ length: n }, (_, k) => ({ topic: `${prefix}/${k}`, payload: 'x' }));

describe(PacedPublisher.name, () => {
  describe('enqueue', () => {
    it('should hand over at most maxInFlight messages, so a publish made afterwards is written after at most that many', async () => {
      const c = client();
      const paced = new PacedPublisher(c.publish, 4);
      void paced.enqueue(messages('config', 1000));
      // A relay command published by the same process after the bulk was queued:
      void c.publish({ topic: 'command', payload: '{}' });

      expect(c.sent).toEqual(['config/0', 'config/1', 'config/2', 'config/3', 'command']);
      await c.ackOldest(2);
      expect(c.sent.slice(5)).toEqual(['config/4', 'config/5']);
      expect(c.pending).toHaveLength(5); // still 4 configs in flight, and the command
    });

    it('should publish jobs in the order given and resolve each once all its messages are acknowledged', async () => {
      const c = client();
      const paced = new PacedPublisher(c.publish, 2);
      const done: string[] = [];
      void paced.enqueue(messages('a', 3)).then(() => done.push('a'));
      void paced.enqueue(messages('b', 2)).then(() => done.push('b'));

      while (c.pending.length > 0) await c.ackOldest(1);

      expect(c.sent).toEqual(['a/0', 'a/1', 'a/2', 'b/0', 'b/1']);
      expect(done).toEqual(['a', 'b']);
    });

    it('should reject a job with its first failure, drop its unsent messages and go on with the next job', async () => {
      const c = client();
      const paced = new PacedPublisher(c.publish, 1);
      const first = paced.enqueue(messages('a', 3));
      const second = paced.enqueue(messages('b', 1));

      c.pending.shift()!.fail(new Error('not connected'));
      await expect(first).rejects.toThrow('not connected');
      await c.ackOldest(1);
      await expect(second).resolves.toBeUndefined();
      expect(c.sent).toEqual(['a/0', 'b/0']);
    });

    it('should resolve an empty job at once', async () => {
      const c = client();
      await expect(new PacedPublisher(c.publish).enqueue([])).resolves.toBeUndefined();
      expect(c.sent).toEqual([]);
    });
  });

  it('should refuse a maxInFlight that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => new PacedPublisher(client().publish, bad)).toThrow(`maxInFlight must be a positive integer, got ${bad}`);
  });
});
