import { Readable } from 'node:stream';

/** What the index needs of an aedes packet. */
export interface RetainedPacket {
  topic: string;
  payload: { length: number };
}

/** The retained-message part of aedes' persistence (aedes-persistence's AedesPersistence). */
export interface RetainedStore {
  storeRetained(packet: RetainedPacket, cb: (error: Error | null) => void): void;
  createRetainedStream(pattern: string): Readable;
  createRetainedStreamCombi(patterns: string[]): Readable;
}

type Packet = RetainedPacket;

interface Level {
  readonly children: Map<string, Level>;
  packet?: Packet;
}

/**
 * Retained messages by topic level (MQTT 3.1.1 §4.7): a filter finds its messages by walking the
 * levels it names, not by testing every retained topic. aedes' memory persistence tests each of them
 * against every new subscription's filter, so each meter subscribing cost a scan of all ~150 Home
 * Assistant configs of every meter (the connect rate fell as the fleet grew: docs/homeassistant.md).
 * As aedes' matcher (qlobber) has them: `+` is one non-empty level, `#` its parent level and every level below.
 */
export class RetainedIndex {
  private readonly root: Level = { children: new Map() };
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Stores a retained message; an empty payload deletes the topic's (MQTT 3.1.1 §3.3.1.3). */
  store(packet: Packet): void {
    const words = packet.topic.split('/');
    if (packet.payload.length === 0) return this.delete(words);
    let level = this.root;
    for (const word of words) {
      let child = level.children.get(word);
      if (!child) level.children.set(word, (child = { children: new Map() }));
      level = child;
    }
    if (!level.packet) this.count++;
    level.packet = packet;
  }

  /** The retained messages whose topics match the filter. */
  *match(filter: string): Generator<Packet> {
    yield* this.walk(this.root, filter.split('/'), 0);
  }

  private *walk(level: Level, words: string[], index: number): Generator<Packet> {
    if (index === words.length) {
      if (level.packet) yield level.packet;
      return;
    }
    const word = words[index];
    if (word === '#') {
      yield* this.all(level);
    } else if (word === '+') {
      for (const [key, child] of level.children) if (key !== '') yield* this.walk(child, words, index + 1);
    } else {
      const child = level.children.get(word);
      if (child) yield* this.walk(child, words, index + 1);
    }
  }

  private *all(level: Level): Generator<Packet> {
    if (level.packet) yield level.packet;
    for (const child of level.children.values()) yield* this.all(child);
  }

  private delete(words: string[]): void {
    const path: Level[] = [this.root];
    for (const word of words) {
      const child = path[path.length - 1].children.get(word);
      if (!child) return;
      path.push(child);
    }
    const leaf = path[path.length - 1];
    if (!leaf.packet) return;
    leaf.packet = undefined;
    this.count--;
    // Prune the levels nothing is retained under any more.
    for (let k = words.length; k > 0 && !path[k].packet && path[k].children.size === 0; k--) path[k - 1].children.delete(words[k - 1]);
  }
}

/**
 * Makes aedes' persistence (the memory one, before any client connected) keep its retained messages
 * in a RetainedIndex; everything else stays as it was. Returns the index.
 */
export function indexRetained(persistence: RetainedStore): RetainedIndex {
  const index = new RetainedIndex();
  persistence.storeRetained = (packet, cb) => {
    index.store({ ...packet }); // a copy, as aedes-persistence stores it
    cb(null);
  };
  persistence.createRetainedStream = (pattern) => Readable.from(index.match(pattern));
  persistence.createRetainedStreamCombi = (patterns) => Readable.from(patterns.flatMap((pattern) => [...index.match(pattern)]));
  return index;
}
