/** One retained discovery message (a config, or an empty payload clearing one). */
export interface RetainedMessage {
  topic: string;
  payload: string;
}

interface Job {
  messages: RetainedMessage[];
  next: number;
  unsettled: number;
  failed: boolean;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * At most this many discovery publishes wait for their PUBACK: what a command can find ahead of it
 * (~256 KB of configs, milliseconds on a socket). Above one meter's 153 (133 configs and triggers, 20
 * stale clears), so one meter's discovery or removal still goes out at once: pacing only acts on bulk.
 */
export const DISCOVERY_MAX_IN_FLIGHT = 256;

/**
 * Bulk publishing at low priority. A thousand meters appearing at once mean 100,000+ retained configs;
 * handed to the MQTT client all at once they sit in its outgoing queue ahead of any relay command
 * published after them (the command round trip p99 of 1.5 s in docs/scaling.md). Here only
 * `maxInFlight` are handed over at a time, the next once one is acknowledged, so other publishes of
 * the process (commands, acks) overtake the rest. Jobs go out in the order given (a meter's removal
 * never overtakes its configs); a failed publish fails its job, whose unsent messages are dropped.
 */
export class PacedPublisher {
  private readonly jobs: Job[] = [];
  private inFlight = 0;

  constructor(
    private readonly publish: (message: RetainedMessage) => Promise<void>,
    private readonly maxInFlight = DISCOVERY_MAX_IN_FLIGHT,
  ) {
    if (!Number.isSafeInteger(maxInFlight) || maxInFlight < 1) throw new RangeError(`maxInFlight must be a positive integer, got ${maxInFlight}`);
  }

  /** Resolves once every message of this call is acknowledged; rejects with the first failure. */
  enqueue(messages: RetainedMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.jobs.push({ messages, next: 0, unsettled: messages.length, failed: false, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.jobs.length > 0) {
      const job = this.jobs[0];
      if (job.failed || job.next >= job.messages.length) {
        this.jobs.shift();
        continue;
      }
      const message = job.messages[job.next++];
      this.inFlight++;
      this.publish(message).then(
        () => this.settled(job),
        (error: Error) => {
          if (!job.failed) {
            job.failed = true;
            job.reject(error);
          }
          this.settled(job);
        },
      );
    }
  }

  private settled(job: Job): void {
    this.inFlight--;
    if (--job.unsettled === 0 && !job.failed) job.resolve();
    this.pump();
  }
}
