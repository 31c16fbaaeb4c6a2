/**
 * InfluxDB line protocol (1.x and 2.x/3.x share it):
 *   measurement,tag=value field=1.5,seq=7i,text="a \"b\"" 1700000000000
 * Escaping per the line protocol reference: measurement `,` and space; tag keys, tag values and field
 * keys `,` `=` and space; string field values `"` and `\`. A newline cannot be escaped anywhere, and a
 * trailing backslash in a key or tag would escape the separator after it: both are refused.
 */
import { CIRCUIT_MEASUREMENT, CircuitPoint, FieldValue, GenericPoint } from './storage.types';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function checkName(what: string, value: string): void {
  if (value.length === 0) throw new RangeError(`line protocol: empty ${what}`);
  if (/[\r\n]/.test(value)) throw new RangeError(`line protocol: ${what} ${JSON.stringify(value)} contains a newline`);
  if (value.endsWith('\\')) throw new RangeError(`line protocol: ${what} ${JSON.stringify(value)} ends with a backslash`);
}

export function escapeMeasurement(name: string): string {
  checkName('measurement', name);
  return name.replace(/[, ]/g, '\\$&');
}

/** Tag keys, tag values and field keys. */
export function escapeKey(what: string, value: string): string {
  checkName(what, value);
  return value.replace(/[,= ]/g, '\\$&');
}

export function formatFieldValue(key: string, value: FieldValue): string {
  switch (typeof value) {
    case 'number':
      // A number without suffix is a float in line protocol, whatever its digits.
      if (!Number.isFinite(value)) throw new RangeError(`line protocol: field ${key} is ${value}, not a finite number`);
      return String(value);
    case 'bigint':
      if (value < INT64_MIN || value > INT64_MAX) throw new RangeError(`line protocol: field ${key} = ${value} is outside int64`);
      return `${value}i`;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      if (/[\r\n]/.test(value)) throw new RangeError(`line protocol: string field ${key} contains a newline`);
      return `"${value.replace(/["\\]/g, '\\$&')}"`;
    default:
      throw new RangeError(`line protocol: field ${key} has unsupported type ${typeof value}`);
  }
}

function formatTimestampMs(ts: number): string {
  if (!Number.isSafeInteger(ts)) throw new RangeError(`line protocol: timestamp ${ts} is not an integer number of ms`);
  return String(ts);
}

/** One line; tags sorted by key (what InfluxDB does anyway, cheaper when done by the writer); empty tag values left out. */
export function toLine(measurement: string, tags: Record<string, string>, fields: Record<string, FieldValue>, tsMs: number): string {
  let line = escapeMeasurement(measurement);
  for (const key of Object.keys(tags).sort()) {
    const value = tags[key];
    if (value === undefined || value === '') continue;
    line += `,${escapeKey('tag key', key)}=${escapeKey('tag value', value)}`;
  }
  const parts: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    parts.push(`${escapeKey('field key', key)}=${formatFieldValue(key, value)}`);
  }
  if (parts.length === 0) throw new RangeError(`line protocol: point of ${measurement} at ${tsMs} has no fields`);
  return `${line} ${parts.join(',')} ${formatTimestampMs(tsMs)}`;
}

/** Escaped field keys of circuit points: the same few keys on every line, escaped once. */
const escapedFieldKeys = new Map<string, string>();
function circuitFieldKey(key: string): string {
  let escaped = escapedFieldKeys.get(key);
  if (escaped === undefined) {
    escaped = escapeKey('field key', key);
    if (escapedFieldKeys.size < 256) escapedFieldKeys.set(key, escaped);
  }
  return escaped;
}

/** A record's ten points share their device: its tag is escaped once. */
let lastDevice: { id?: string; escaped: string } = { escaped: '' };

/**
 * Circuit points: every metric a float, `seq` an integer (it counts records; floats would lose it above
 * 2^53 anyway). The hot path of ingest (ten lines per record), so built directly, same output as toLine.
 */
export function circuitPointToLine(point: CircuitPoint): string {
  if (!Number.isSafeInteger(point.circuit)) throw new RangeError(`line protocol: circuit ${point.circuit} is not an integer`);
  let fields = '';
  for (const key in point.fields) {
    const value = point.fields[key];
    if (value === undefined) continue;
    let formatted: string;
    if (key === 'seq') {
      if (!Number.isSafeInteger(value)) throw new RangeError(`line protocol: seq ${value} is not an integer`);
      formatted = `${value}i`;
    } else formatted = formatFieldValue(key, value);
    fields += `${fields ? ',' : ''}${circuitFieldKey(key)}=${formatted}`;
  }
  if (!fields) throw new RangeError(`line protocol: point of ${CIRCUIT_MEASUREMENT} at ${point.ts} has no fields`);
  if (point.device !== lastDevice.id) lastDevice = { id: point.device, escaped: escapeKey('tag value', point.device) };
  return `${CIRCUIT_MEASUREMENT},circuit=${point.circuit},device=${lastDevice.escaped} ${fields} ${formatTimestampMs(point.ts)}`;
}

export function genericPointsToLines(measurement: string, points: GenericPoint[]): string[] {
  return points.map((p) => toLine(measurement, p.tags, p.fields, p.ts));
}
