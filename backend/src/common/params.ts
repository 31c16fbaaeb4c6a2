import { BadRequestException, PipeTransform } from '@nestjs/common';
import { CIRCUIT_COUNT, DEVICE_ID_PATTERN, isValidDeviceId } from '@dinmeter/shared';

/** `:circuit` must be an integer 1..10. */
export class CircuitParamPipe implements PipeTransform<string, number> {
  /** The OpenAPI schema of the parameter (backend/src/openapi). */
  static readonly openApiSchema = { type: 'integer', minimum: 1, maximum: CIRCUIT_COUNT };

  transform(value: string): number {
    const circuit = Number(value);
    if (!/^\d+$/.test(value) || circuit < 1 || circuit > CIRCUIT_COUNT) {
      throw new BadRequestException(`circuit must be an integer from 1 to ${CIRCUIT_COUNT}, got ${JSON.stringify(value)}`);
    }
    return circuit;
  }
}

/** `:id` must look like a device id (the registry then answers 404 for unknown ones). */
export class DeviceIdPipe implements PipeTransform<string, string> {
  static readonly openApiSchema = { type: 'string', pattern: DEVICE_ID_PATTERN.source };

  transform(value: string): string {
    if (!isValidDeviceId(value)) throw new BadRequestException(`invalid device id ${JSON.stringify(value)}`);
    return value;
  }
}

/** ISO 8601, epoch milliseconds (13 digits) or seconds (10 digits); relative forms like `-1h`, `-15m`, `now`. */
export function parseInstant(value: string, now: number, name: string): number {
  const relative = /^-(\d+)(s|m|h|d)$/.exec(value);
  if (value === 'now') return now;
  if (relative) {
    const unit = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[relative[2] as 's' | 'm' | 'h' | 'd'];
    return now - Number(relative[1]) * unit;
  }
  if (/^\d{13}$/.test(value)) return Number(value);
  if (/^\d{10}$/.test(value)) return Number(value) * 1000;
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms)) {
    throw new BadRequestException(`${name} must be an ISO 8601 instant, epoch ms or s, "now" or like "-1h"; got ${JSON.stringify(value)}`);
  }
  return ms;
}
