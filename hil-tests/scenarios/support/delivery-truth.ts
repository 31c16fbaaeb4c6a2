/**
 * The truth for store-and-forward scenarios: what the meters say they created (`meters --journal`)
 * against what InfluxDB holds. Every check returns a list of findings instead of throwing, so a
 * failing scenario shows all of them at once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { CIRCUIT_COUNT } from '@dinmeter/shared';

export interface Journal {
  /** device → seq → ts (ms) of every record a meter's append() returned. */
  records: Map<string, Map<number, number>>;
  /** A seq that was created twice with different timestamps: an acknowledged seq was reused. */
  reused: string[];
}

/** Parses the `<id> <seq> <ts>` lines written by `meters --journal`. */
export function readJournal(path: string): Journal {
  const records = new Map<string, Map<number, number>>();
  const reused: string[] = [];
  if (!existsSync(path)) return { records, reused };
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line) continue;
    const [device, seqText, tsText] = line.split(' ');
    const seq = Number(seqText);
    const ts = Number(tsText);
    if (!device || !Number.isInteger(seq) || !Number.isFinite(ts)) throw new Error(`bad journal line ${JSON.stringify(line)} in ${path}`);
    let byDevice = records.get(device);
    if (!byDevice) records.set(device, (byDevice = new Map()));
    const before = byDevice.get(seq);
    if (before !== undefined && before !== ts) reused.push(`${device} seq ${seq}: ts ${before} then ${ts}`);
    if (before === undefined) byDevice.set(seq, ts);
  }
  return { records, reused };
}

export function lastSeq(journal: Journal, device: string): number {
  let last = 0;
  for (const seq of journal.records.get(device)?.keys() ?? []) last = Math.max(last, seq);
  return last;
}

export interface DeviceCheck {
  device: string;
  /** Records the meter created (journal). */
  created: number;
  /** Distinct seqs in InfluxDB. */
  stored: number;
  /** Created but not in InfluxDB: lost. */
  missing: number[];
  /** In InfluxDB with a timestamp other than the one the meter gave it. */
  wrongTs: string[];
  /** A seq whose points are not exactly one per circuit (a duplicate under another timestamp, or a partial record). */
  badPointCount: string[];
  /** In InfluxDB, not in the journal (allowed only for a kill between the flash commit and the journal line). */
  unjournaled: number[];
  /** energy_import_wh of a circuit lower than at an earlier seq: a counter reset or double count undone. */
  energyBackwards: string[];
  /** A later seq with an earlier timestamp. */
  tsBackwards: string[];
}

type Query = (q: string) => Promise<Record<string, unknown>[]>;

/** Compares InfluxDB (measurement `circuit`, one point per circuit per record) with the journal. */
export async function checkDevice(query: Query, journal: Journal, device: string): Promise<DeviceCheck> {
  const created = journal.records.get(device) ?? new Map<number, number>();
  const rows = await query(`SELECT "seq", "circuit", "energy_import_wh" FROM "circuit" WHERE "device" = '${device}'`);
  const bySeq = new Map<number, { time: number; circuit: string; energy?: number }[]>();
  for (const row of rows) {
    const seq = row.seq as number;
    let list = bySeq.get(seq);
    if (!list) bySeq.set(seq, (list = []));
    list.push({ time: row.time as number, circuit: String(row.circuit), energy: row.energy_import_wh as number | undefined });
  }
  const check: DeviceCheck = {
    device,
    created: created.size,
    stored: bySeq.size,
    missing: [...created.keys()].filter((seq) => !bySeq.has(seq)).sort((a, b) => a - b),
    wrongTs: [],
    badPointCount: [],
    unjournaled: [],
    energyBackwards: [],
    tsBackwards: [],
  };
  const seqs = [...bySeq.keys()].sort((a, b) => a - b);
  const lastEnergy = new Map<string, { seq: number; wh: number }>();
  let previous: { seq: number; ts: number } | undefined;
  for (const seq of seqs) {
    const points = bySeq.get(seq)!;
    const circuits = new Set(points.map((p) => p.circuit));
    if (points.length !== CIRCUIT_COUNT || circuits.size !== CIRCUIT_COUNT) {
      check.badPointCount.push(`seq ${seq}: ${points.length} points, ${circuits.size} circuits`);
    }
    const ts = points[0].time;
    const expected = created.get(seq);
    if (expected === undefined) check.unjournaled.push(seq);
    for (const point of points) {
      if (expected !== undefined && point.time !== expected) check.wrongTs.push(`seq ${seq} circuit ${point.circuit}: ${point.time} ≠ ${expected}`);
      if (point.energy === undefined || point.energy === null) continue;
      const before = lastEnergy.get(point.circuit);
      if (before && point.energy < before.wh) {
        check.energyBackwards.push(`circuit ${point.circuit}: ${before.wh} Wh at seq ${before.seq} → ${point.energy} Wh at seq ${seq}`);
      }
      lastEnergy.set(point.circuit, { seq, wh: point.energy });
    }
    if (previous && ts <= previous.ts) check.tsBackwards.push(`seq ${previous.seq} at ${previous.ts} → seq ${seq} at ${ts}`);
    previous = { seq, ts };
  }
  return check;
}

/** The findings that must be empty, with the counts that make a failure readable. */
export function problems(check: DeviceCheck): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ['missing', 'wrongTs', 'badPointCount', 'energyBackwards', 'tsBackwards'] as const) {
    if (check[key].length > 0) out[key] = check[key].slice(0, 10).concat(check[key].length > 10 ? [`… ${check[key].length} in all`] : []);
  }
  return out;
}

/** `meter <id> booted: {…}` / `meter <id> stopped: {…}` lines of a meters process's output. */
export function meterLines<T = Record<string, any>>(text: string, what: 'booted' | 'stopped'): Map<string, T> {
  const out = new Map<string, T>();
  for (const match of text.matchAll(new RegExp(`meter (\\S+) ${what}: (\\{.*\\})`, 'g'))) out.set(match[1], JSON.parse(match[2]) as T);
  return out;
}
