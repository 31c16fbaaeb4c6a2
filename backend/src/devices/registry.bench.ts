/**
 * `npm run bench:registry` — the device registry at fleet size: restart time (load the journal) with
 * N meters, and the per-record cost of `recordTelemetry` (memory only) at 1,000 and N meters.
 *   node -r @swc-node/register backend/src/devices/registry.bench.ts [--meters 10000]
 * Prints figures, then one JSON line.
 */
import { CIRCUIT_COUNT, CircuitReading, encodeMessage, PROTOCOL_VERSION, topics } from '@dinmeter/shared';
import { Logger } from '@nestjs/common';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { numberOption, runCli } from '../../../shared/node/cli';
import { Counters } from '../common/counters';
import { InMemoryMqttBus } from '../mqtt/in-memory-mqtt-bus.testing';
import { DeviceRegistryJournal } from './device-registry.repository';
import { DevicesService } from './devices.service';
import { RelayHistoryService } from './relay-history.service';


function boot(dir: string) {
  const mqtt = new InMemoryMqttBus();
  const relayHistory = { watch: () => undefined, write: async () => undefined } as unknown as RelayHistoryService;
  const repository = new DeviceRegistryJournal(join(dir, 'devices.jsonl'), undefined, 60_000);
  const service = new DevicesService(repository, () => Date.now(), mqtt, new Counters(), relayHistory);
  const started = performance.now();
  service.onModuleInit();
  return { service, repository, mqtt, loadMs: performance.now() - started };
}

const readings: CircuitReading[] = Array.from({ length: CIRCUIT_COUNT }, (_, c) => ({
  circuit: c + 1,
  voltage_v: 230.1,
  current_a: 1.2,
  power_w: 270,
  energy_import_wh: 1000,
})) as CircuitReading[];

/** Microseconds per recordTelemetry over `calls` records spread across `meters` known meters. */
function perRecordUs(service: DevicesService, meters: number, calls: number): number {
  const started = performance.now();
  for (let n = 0; n < calls; n++) service.recordTelemetry(`m-${n % meters}`, n + 1, Date.now(), readings);
  return ((performance.now() - started) * 1000) / calls;
}

function main(meters: number): void {
  Logger.overrideLogger(['error']);
  const dir = mkdtempSync(join(tmpdir(), 'dinmeter-registry-'));
  const line = (text: string) => process.stdout.write(`${text}\n`);
  try {
    const first = boot(dir);
    const filling = performance.now();
    const ts = Date.now();
    for (let m = 0; m < meters; m++) {
      const id = `m-${m}`;
      first.mqtt.deliver(topics.status(id), Buffer.from(encodeMessage('status', { v: PROTOCOL_VERSION, online: true, firmware: '1.4.2', boot_id: `b${m}` })));
      const relays = Array.from({ length: CIRCUIT_COUNT }, (_, c) => ({ circuit: c + 1, state: 'on' as const, reason: 'power_on' as const }));
      first.mqtt.deliver(topics.relays(id), Buffer.from(encodeMessage('relays', { v: PROTOCOL_VERSION, ts, circuits: relays })));
    }
    first.repository.flush();
    const fillMs = performance.now() - filling;
    const bytes = statSync(join(dir, 'devices.jsonl')).size;
    line(`${meters} meters registered (status + relays each) and journalled in ${fillMs.toFixed(0)} ms; journal ${(bytes / 1024).toFixed(0)} KiB`);

    const small = perRecordUs(first.service, Math.min(1000, meters), 200_000);
    const large = perRecordUs(first.service, meters, 200_000);
    const appendedBefore = first.repository.appendedLines;
    first.repository.flush();
    const telemetryLines = first.repository.appendedLines - appendedBefore;
    line(`recordTelemetry: ${small.toFixed(2)} µs/record with ${Math.min(1000, meters)} meters, ${large.toFixed(2)} µs/record with ${meters}; journal lines written by 400,000 records: ${telemetryLines}`);
    first.service.onModuleDestroy();

    const second = boot(dir);
    const restored = second.service.list().length;
    line(`restart: ${restored} meters loaded in ${second.loadMs.toFixed(0)} ms`);
    line(
      JSON.stringify({
        meters,
        restart_ms: Math.round(second.loadMs),
        restored,
        journal_kib: Math.round(bytes / 1024),
        record_telemetry_us_1000: Number(small.toFixed(2)),
        [`record_telemetry_us_${meters}`]: Number(large.toFixed(2)),
        journal_lines_per_record: telemetryLines,
      }),
    );
    if (restored !== meters || telemetryLines !== 0) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void runCli(
  {
    name: 'bench:registry',
    usage: `usage: npm run bench:registry -- [--meters N]
  The device registry at fleet size: restart time with N meters (default 10000) and the per-record cost; prints figures, then one JSON line.`,
    options: { meters: { type: 'string' } },
  },
  ({ values }) => main(numberOption('meters', values.meters, { min: 1, max: 1_000_000, integer: true }) ?? 10_000),
);
