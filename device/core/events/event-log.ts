/**
 * The meter's event log: every event (trip, step change, fault …) goes to its own small flash
 * partition first and stays there until the backend acknowledges it on events/ack, exactly like a
 * telemetry record in the record log (docs/store-and-forward.md "Events").
 *
 * A ring of sectors, each opened with a header (generation, the next seq, the ack point) and filled
 * with append-only entries committed by a word written last (the entry format of
 * storage/flash-layout.ts): a write torn by a power cut at any byte is skipped at boot, and its seq,
 * never returned by append(), is used again. When the ring is full the oldest sector is reused:
 * acknowledged events are simply gone, unacknowledged ones are dropped and counted (delivery then
 * reports the hole). RAM: one index entry per sector.
 */
import { EventMessage, PROTOCOL_VERSION, SequencedEvent, utf8Decode, utf8Encode } from '@dinmeter/shared';
import { SequencedLog } from '../delivery/delivery.types';
import { FlashPartition } from '../ports';
import { readU32, writeU32 } from '../storage/byte-io';
import { crc32 } from '../storage/crc32';
import { COMMIT_MAGIC, decodeInfoWord, encodeInfoWord, entryBytes, ERASED_WORD, EntryType } from '../storage/flash-layout';

/** "DMEV" little-endian: a record-log sector ("DMRL") is never taken for an event-log one. */
const EVENT_SECTOR_MAGIC = 0x56454d44;
/** magic | generation | baseSeq | ackedSeq | CRC-32 of the four. */
const HEADER_BYTES = 20;
/** An event entry's payload: seq (u32) then the event as UTF-8 JSON without v and seq. */
const SEQ_BYTES = 4;

export interface EventLogOpenResult {
  events: number;
  /** Entries whose write a power cut tore (skipped). */
  tornEntriesSkipped: number;
  liveSectors: number;
}

export interface EventLogStats {
  /** Unacknowledged events lost because the ring was full (a very long outage with many events). */
  eventsDropped: number;
  /** Events whose text or data did not fit a sector and were shortened. */
  eventsShortened: number;
  /** Committed entries that failed their CRC (bit rot): skipped. */
  corruptEntries: number;
  sectorsErased: number;
}

interface SectorIndex {
  sector: number;
  generation: number;
  /** Events in it and their seq range (0 when none). */
  count: number;
  firstSeq: number;
  lastSeq: number;
  /** Where the next entry goes (head sector only matters). */
  writeOffset: number;
}

type Body = Omit<EventMessage, 'v' | 'seq' | 'acked_seq'>;

export class EventLog implements SequencedLog<EventMessage, SequencedEvent> {
  private live: SectorIndex[] = [];
  private next = 1;
  private acked = 0;
  private opened = false;
  private readonly sectors: number;
  private readonly sectorSize: number;
  private readonly statsValue: EventLogStats = { eventsDropped: 0, eventsShortened: 0, corruptEntries: 0, sectorsErased: 0 };

  constructor(private readonly flash: FlashPartition) {
    this.sectorSize = flash.sectorSize;
    this.sectors = flash.byteLength / flash.sectorSize;
    if (!(Number.isInteger(this.sectors) && this.sectors >= 2)) throw new RangeError(`event log needs at least 2 sectors, got ${flash.byteLength} bytes`);
  }

  get ackedSeq(): number {
    return this.acked;
  }

  get nextSeq(): number {
    return this.next;
  }

  get pendingCount(): number {
    let pending = 0;
    for (const s of this.live) if (s.count > 0 && s.lastSeq > this.acked) pending += s.lastSeq - Math.max(s.firstSeq - 1, this.acked);
    return pending;
  }

  stats(): EventLogStats {
    return { ...this.statsValue };
  }

  /** Reads every sector once and rebuilds the index. Call once before anything else. */
  open(): EventLogOpenResult {
    const found: SectorIndex[] = [];
    let torn = 0;
    let baseSeq = 1;
    for (let sector = 0; sector < this.sectors; sector++) {
      const buf = this.flash.read(sector * this.sectorSize, this.sectorSize);
      const header = decodeHeader(buf);
      if (!header) continue;
      baseSeq = Math.max(baseSeq, header.baseSeq);
      this.acked = Math.max(this.acked, header.ackedSeq);
      const index: SectorIndex = { sector, generation: header.generation, count: 0, firstSeq: 0, lastSeq: 0, writeOffset: HEADER_BYTES };
      index.writeOffset = this.walk(buf, (type, payload, at) => {
        if (type === EntryType.ack) this.acked = Math.max(this.acked, readU32(payload, at));
        if (type !== EntryType.record) return;
        const seq = readU32(payload, at);
        if (index.count === 0) index.firstSeq = seq;
        index.lastSeq = seq;
        index.count++;
      }, () => torn++);
      found.push(index);
    }
    found.sort((a, b) => a.generation - b.generation);
    this.live = found;
    for (const s of found) if (s.count > 0) baseSeq = Math.max(baseSeq, s.lastSeq + 1);
    this.next = baseSeq;
    this.opened = true;
    return { events: found.reduce((n, s) => n + s.count, 0), tornEntriesSkipped: torn, liveSectors: found.length };
  }

  /** Stores the event; returns its seq once it is durable (a power cut inside throws, and the seq is used again). */
  append(event: EventMessage): number {
    this.assertOpen();
    const seq = this.next;
    const payload = this.encode(seq, event);
    const head = this.writableHead(entryBytes(payload.length)) ?? this.openSector();
    this.writeEntry(head, EntryType.record, payload);
    if (head.count === 0) head.firstSeq = seq;
    head.lastSeq = seq;
    head.count++;
    this.next = seq + 1;
    return seq;
  }

  readFrom(afterSeq: number, max: number): SequencedEvent[] {
    this.assertOpen();
    if (!(max >= 1)) throw new RangeError(`readFrom: max must be >= 1, got ${max}`);
    const out: SequencedEvent[] = [];
    for (const s of this.live) {
      if (s.count === 0 || s.lastSeq <= afterSeq) continue;
      const buf = this.flash.read(s.sector * this.sectorSize, this.sectorSize);
      this.walk(buf, (type, payload, at, end) => {
        if (type !== EntryType.record || out.length >= max) return;
        const seq = readU32(payload, at);
        if (seq <= afterSeq) return;
        const body = decodeBody(payload.subarray(at + SEQ_BYTES, end));
        if (body) out.push({ v: PROTOCOL_VERSION, seq, ...body });
        else this.statsValue.corruptEntries++;
      });
      if (out.length >= max) break;
    }
    return out;
  }

  /** Every event up to uptoSeq is stored by the backend. Persisted when there is room; else it lives in RAM until the next sector. */
  ack(uptoSeq: number): void {
    this.assertOpen();
    const upto = Math.min(uptoSeq, this.next - 1);
    if (upto <= this.acked) return;
    this.acked = upto;
    const payload = new Uint8Array(4);
    writeU32(payload, 0, upto);
    const head = this.writableHead(entryBytes(payload.length));
    if (head) return this.writeEntry(head, EntryType.ack, payload);
    // A new sector's header carries the ack point by itself; but no unacked event is dropped to record an ack.
    if (this.oldestReusableWithoutLoss()) this.openSector();
  }

  private assertOpen(): void {
    if (!this.opened) throw new Error('EventLog: open() first');
  }

  private encode(seq: number, event: EventMessage): Uint8Array {
    const room = this.sectorSize - HEADER_BYTES - entryBytes(0) - SEQ_BYTES;
    const body: Body = { ts: event.ts, type: event.type };
    if (event.circuit !== undefined) body.circuit = event.circuit;
    if (event.message !== undefined) body.message = event.message;
    if (event.data !== undefined) body.data = event.data;
    let json = utf8Encode(JSON.stringify(body));
    if (json.length > room) {
      // 32 entries of 200 characters would not fit a sector: keep the event, without its data.
      this.statsValue.eventsShortened++;
      body.data = { shortened: true };
      json = utf8Encode(JSON.stringify(body));
    }
    const payload = new Uint8Array(SEQ_BYTES + json.length);
    writeU32(payload, 0, seq);
    payload.set(json, SEQ_BYTES);
    return payload;
  }

  private writableHead(bytes: number): SectorIndex | undefined {
    const head = this.live[this.live.length - 1];
    return head && head.writeOffset + bytes <= this.sectorSize ? head : undefined;
  }

  private oldestReusableWithoutLoss(): boolean {
    if (this.live.length < this.sectors) return true;
    const oldest = this.live[0];
    return oldest.count === 0 || oldest.lastSeq <= this.acked;
  }

  /** Opens the next sector of the ring (after the head); the oldest live sector is reused when the ring is full. */
  private openSector(): SectorIndex {
    const head = this.live[this.live.length - 1];
    const sector = head ? (head.sector + 1) % this.sectors : 0;
    const reused = this.live.findIndex((s) => s.sector === sector);
    if (reused >= 0) {
      const old = this.live[reused];
      if (old.count > 0 && old.lastSeq > this.acked) this.statsValue.eventsDropped += old.lastSeq - Math.max(old.firstSeq - 1, this.acked);
      this.live.splice(reused, 1);
    }
    // Always erased first: whatever a torn erase or header left there is gone.
    this.flash.eraseSector(sector);
    this.statsValue.sectorsErased++;
    const generation = head ? head.generation + 1 : 1;
    this.flash.write(sector * this.sectorSize, encodeHeader(generation, this.next, this.acked));
    const index: SectorIndex = { sector, generation, count: 0, firstSeq: 0, lastSeq: 0, writeOffset: HEADER_BYTES };
    this.live.push(index);
    return index;
  }

  /** info | payload (0-padded) | CRC, then the commit word in its own write. */
  private writeEntry(head: SectorIndex, type: EntryType, payload: Uint8Array): void {
    const bytes = entryBytes(payload.length);
    const entry = new Uint8Array(bytes - 4);
    writeU32(entry, 0, encodeInfoWord(type, payload.length));
    entry.set(payload, 4);
    writeU32(entry, bytes - 8, crc32(entry, 0, bytes - 8));
    const at = head.sector * this.sectorSize + head.writeOffset;
    // The offset moves first: after a cut inside these writes the next entry goes behind the torn one.
    head.writeOffset += bytes;
    this.flash.write(at, entry);
    const commit = new Uint8Array(4);
    writeU32(commit, 0, COMMIT_MAGIC);
    this.flash.write(at + bytes - 4, commit);
  }

  /**
   * Visits the committed, intact entries of a sector image with (type, buffer, payload offset, payload end);
   * returns where erased flash starts. Torn entries call `onTorn` and are stepped over.
   */
  private walk(buf: Uint8Array, visit: (type: number, buf: Uint8Array, at: number, end: number) => void, onTorn?: () => void): number {
    let pos = HEADER_BYTES;
    while (pos + 4 <= buf.length) {
      const word = readU32(buf, pos);
      if (word === ERASED_WORD) break;
      const info = decodeInfoWord(word);
      const end = info ? pos + entryBytes(info.payloadBytes) : buf.length + 1;
      if (!info || end > buf.length) {
        // An info word torn inside: nothing after it in this sector was written.
        onTorn?.();
        pos += 4;
        continue;
      }
      const committed = readU32(buf, end - 4) === COMMIT_MAGIC;
      const intact = readU32(buf, end - 8) === crc32(buf, pos, end - 8);
      if (!committed) onTorn?.();
      else if (!intact) this.statsValue.corruptEntries++;
      else visit(info.type, buf, pos + 4, pos + 4 + info.payloadBytes);
      pos = end;
    }
    return pos;
  }
}

function encodeHeader(generation: number, baseSeq: number, ackedSeq: number): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES);
  writeU32(bytes, 0, EVENT_SECTOR_MAGIC);
  writeU32(bytes, 4, generation);
  writeU32(bytes, 8, baseSeq);
  writeU32(bytes, 12, ackedSeq);
  writeU32(bytes, 16, crc32(bytes, 0, 16));
  return bytes;
}

function decodeHeader(buf: Uint8Array): { generation: number; baseSeq: number; ackedSeq: number } | undefined {
  if (readU32(buf, 0) !== EVENT_SECTOR_MAGIC || readU32(buf, 16) !== crc32(buf, 0, 16)) return undefined;
  return { generation: readU32(buf, 4), baseSeq: readU32(buf, 8), ackedSeq: readU32(buf, 12) };
}

function decodeBody(bytes: Uint8Array): Body | undefined {
  const text = utf8Decode(bytes);
  if (text === undefined) return undefined;
  try {
    const body = JSON.parse(text) as Body;
    return typeof body === 'object' && body !== null && typeof body.ts === 'number' && typeof body.type === 'string' ? body : undefined;
  } catch {
    return undefined;
  }
}
