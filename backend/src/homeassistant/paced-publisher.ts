/** One retained discovery message (a config, or an empty payload clearing one). */
export interface RetainedMessage {
  topic: string;
  payload: string;
}

/** A job's messages, or what builds them when the job's turn comes (after every job before it went out). */
export type RetainedMessages = RetainedMessage[] | (() => RetainedMessage[]);

interface Job {
  build: RetainedMessages;
  messages?: RetainedMessage[];
  next: number;
  unsettled: number;
  failed: boolean;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * At most this many discovery publishes wait for their PUBACK: what a command or a meter's CONNACK
 * written by the same process can find ahead of it. One meter's 153 (133 configs and triggers, 20 stale
 * clears) go out in ten round trips, milliseconds on a socket. 1,000 meters connecting while 100 were
 * discovered took 10.7 s with 16, 15.7–20.6 s with 64 (npm run bench:ingest, docs/homeassistant.md).
 */
export const DISCOVERY_MAX_IN_FLIGHT = 16;

/**
 * Bulk publishing at low priority. A thousand meters appearing at once mean 100,000+ retained configs;
 * handed to the MQTT client all at once they sit in its outgoing queue ahead of any relay command
 * published after them (the command round trip p99 of 1.5 s in docs/scaling.md), and building them
 * all at once holds hundreds of MB. Here only `maxInFlight` are handed over at a time, the next ones
 * from a later event-loop turn (setImmediate) once some are acknowledged, so the MQTT connects,
 * telemetry and commands waiting on the socket run first. A job given as a function is built only when
 * its turn comes: memory holds one job's messages, and they are built from the state of that moment.
 * Jobs go out in the order given (a meter's removal never overtakes its configs); a failed publish or
 * build fails its job, whose unsent messages are dropped.
 */
export class PacedPublisher {
  private readonly jobs: Job[] = [];
  private inFlight = 0;
  private pumpScheduled = false;

  constructor(
    private readonly publish: (message: RetainedMessage) => Promise<void>,
    private readonly maxInFlight = DISCOVERY_MAX_IN_FLIGHT,
  ) {
    if (!Number.isSafeInteger(maxInFlight) || maxInFlight < 1) throw new RangeError(`maxInFlight must be a positive integer, got ${maxInFlight}`);
  }

  /** Resolves once every message of this job is acknowledged; rejects with the first failure. */
  enqueue(messages: RetainedMessages): Promise<void> {
    return new Promise((resolve, reject) => {
      this.jobs.push({ build: messages, next: 0, unsettled: 0, failed: false, resolve, reject });
      this.schedulePump();
    });
  }

  /** Jobs not finished yet (queued, or with messages in flight). */
  get pending(): number {
    return this.jobs.length;
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.jobs.length > 0) {
      const job = this.jobs[0];
      const messages = job.messages ?? this.start(job);
      if (job.failed || job.next >= messages.length) {
        this.jobs.shift();
        if (job.unsettled === 0 && !job.failed) job.resolve();
        continue;
      }
      const message = messages[job.next++];
      this.inFlight++;
      job.unsettled++;
      this.publish(message).then(
        () => this.settled(job),
        (error: Error) => {
          this.fail(job, error);
          this.settled(job);
        },
      );
    }
  }

  private start(job: Job): RetainedMessage[] {
    try {
      job.messages = typeof job.build === 'function' ? job.build() : job.build;
    } catch (error) {
      job.messages = [];
      this.fail(job, error as Error);
    }
    return job.messages;
  }

  private fail(job: Job, error: Error): void {
    if (job.failed) return;
    job.failed = true;
    job.reject(error);
  }

  private settled(job: Job): void {
    this.inFlight--;
    // The last one of a job whose messages were all handed over (it left the queue).
    if (--job.unsettled === 0 && !job.failed && this.jobs[0] !== job) job.resolve();
    this.schedulePump();
  }
}
