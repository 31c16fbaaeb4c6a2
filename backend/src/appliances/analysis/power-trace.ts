import { TIMESTAMP_MAX_MS, TIMESTAMP_MIN_MS } from '@dinmeter/shared';

/**
 * Power traces as the offline commands read them: CSV with a header naming `ts` and `power_w`
 * (`ts` ISO 8601 or epoch ms; `,` or `;` separated), or the tracebase format without header
 * (`DD/MM/YYYY hh:mm:ss;P_1s;P_8s`, local time, read as if it were UTC so days start at its midnight).
 * Pure: text in, samples out; a bad line throws TraceFormatError naming the line.
 */

export interface PowerSample {
  /** ms since the epoch */
  ts: number;
  powerW: number;
}

export class TraceFormatError extends Error {
  override readonly name = 'TraceFormatError';
}

const TRACEBASE_LINE = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2});(-?\d+(?:\.\d+)?);(-?\d+(?:\.\d+)?)$/;
const MAX_POWER_W = 1_000_000;

export function parsePowerTrace(text: string): PowerSample[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const first = lines.findIndex((l) => l.trim() !== '');
  if (first < 0) throw new TraceFormatError('the trace is empty');
  const samples = TRACEBASE_LINE.test(lines[first].trim()) ? parseTracebase(lines) : parseHeaderCsv(lines, first);
  if (samples.length < 2) throw new TraceFormatError(`the trace has ${samples.length} sample(s); at least 2 are needed`);
  return samples;
}

function parseTracebase(lines: string[]): PowerSample[] {
  const out: PowerSample[] = [];
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const m = TRACEBASE_LINE.exec(line);
    if (!m) throw new TraceFormatError(`line ${index + 1}: expected "DD/MM/YYYY hh:mm:ss;W;W", got ${JSON.stringify(line.slice(0, 60))}`);
    const [, dd, mo, yyyy, hh, mi, ss, p1] = m;
    const ts = Date.UTC(+yyyy, +mo - 1, +dd, +hh, +mi, +ss);
    const check = new Date(ts);
    if (check.getUTCDate() !== +dd || check.getUTCMonth() !== +mo - 1 || +hh > 23 || +mi > 59 || +ss > 59) {
      throw new TraceFormatError(`line ${index + 1}: ${line.slice(0, 19)} is not a valid date and time`);
    }
    push(out, ts, Number(p1), index + 1);
  });
  return out;
}

function parseHeaderCsv(lines: string[], headerIndex: number): PowerSample[] {
  const header = lines[headerIndex].trim();
  const sep = header.includes(';') ? ';' : ',';
  const names = header.split(sep).map((n) => n.trim().replace(/^"|"$/g, '').toLowerCase());
  const tsCol = names.indexOf('ts');
  const powerCol = names.indexOf('power_w');
  if (tsCol < 0 || powerCol < 0) {
    throw new TraceFormatError(
      `line ${headerIndex + 1}: expected a header with columns "ts" and "power_w" (or tracebase lines "DD/MM/YYYY hh:mm:ss;W;W"), got ${JSON.stringify(header.slice(0, 60))}`,
    );
  }
  const out: PowerSample[] = [];
  for (let k = headerIndex + 1; k < lines.length; k++) {
    const line = lines[k].trim();
    if (line === '' || line.startsWith('#')) continue;
    const cells = line.split(sep).map((c) => c.trim().replace(/^"|"$/g, ''));
    if (cells.length <= Math.max(tsCol, powerCol)) throw new TraceFormatError(`line ${k + 1}: expected ${names.length} columns, got ${cells.length}`);
    const ts = parseInstant(cells[tsCol]);
    if (ts === undefined) throw new TraceFormatError(`line ${k + 1}: ts ${JSON.stringify(cells[tsCol].slice(0, 40))} is neither ISO 8601 nor epoch milliseconds`);
    if (cells[powerCol] === '') throw new TraceFormatError(`line ${k + 1}: power_w is empty`);
    push(out, ts, Number(cells[powerCol]), k + 1);
  }
  return out;
}

function parseInstant(text: string): number | undefined {
  if (/^\d{12,14}(\.\d+)?$/.test(text)) return Math.round(Number(text));
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) return undefined;
  // A local time without offset is read as UTC: the trace's own wall clock decides where days begin.
  const iso = /[zZ]|[+-]\d{2}:?\d{2}$/.test(text) || text.length === 10 ? text : `${text.replace(' ', 'T')}Z`;
  const ts = Date.parse(iso);
  return Number.isFinite(ts) ? ts : undefined;
}

function push(out: PowerSample[], ts: number, powerW: number, lineNo: number): void {
  // The protocol's instants (2000…2100), so seconds are not mistaken for milliseconds.
  if (!(ts >= TIMESTAMP_MIN_MS && ts <= TIMESTAMP_MAX_MS)) throw new TraceFormatError(`line ${lineNo}: time ${ts} ms is outside 2000…2100`);
  if (!Number.isFinite(powerW) || Math.abs(powerW) > MAX_POWER_W) throw new TraceFormatError(`line ${lineNo}: power_w must be a number within ±${MAX_POWER_W} W`);
  const previous = out[out.length - 1];
  if (previous && ts < previous.ts) throw new TraceFormatError(`line ${lineNo}: time goes backwards (${new Date(ts).toISOString()} after ${new Date(previous.ts).toISOString()})`);
  out.push({ ts, powerW });
}
