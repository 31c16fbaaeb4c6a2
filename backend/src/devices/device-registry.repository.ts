import { readFileSync, rmSync } from 'node:fs';
import { JsonLinesJournal } from '../common/json-lines-journal';
import { DeviceRecord, DeviceRegistryRepository, RemovedDevice, StoredDevice } from './devices.types';

/**
 * The registry as a JSON-lines journal (DATA_DIR/devices.jsonl): a change to one meter appends one
 * line, so the cost of persisting does not grow with the number of meters. A `devices.json` from
 * before (the whole registry rewritten on every change) is imported once and removed. A removed meter
 * keeps one line `{"id", "removedAt"}` (not the journal's own tombstone, which compaction drops), so its
 * removal outlives a restart until the meter is saved again.
 */
export class DeviceRegistryJournal implements DeviceRegistryRepository {
  private readonly journal: JsonLinesJournal<StoredDevice | RemovedDevice>;

  constructor(
    path: string,
    private readonly legacyPath?: string,
    delayMs = 1000,
  ) {
    this.journal = new JsonLinesJournal(path, delayMs);
  }

  load(): { devices: StoredDevice[]; removed: RemovedDevice[] } {
    if (!this.journal.exists() && this.legacyPath) this.importLegacy(this.legacyPath);
    const devices: StoredDevice[] = [];
    const removed: RemovedDevice[] = [];
    for (const record of this.journal.load()) {
      if ('removedAt' in record) removed.push(record);
      else devices.push(record);
    }
    return { devices, removed };
  }

  save(device: StoredDevice): void {
    this.journal.save(device);
  }

  remove(removed: RemovedDevice): void {
    this.journal.save(removed);
  }

  flush(): void {
    this.journal.flush();
  }

  get appendedLines(): number {
    return this.journal.appendedLines;
  }

  private importLegacy(path: string): void {
    let file: { devices?: DeviceRecord[] };
    try {
      file = JSON.parse(readFileSync(path, 'utf8')) as typeof file;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new Error(`cannot read ${path}: ${(error as Error).message}`);
    }
    for (const device of file.devices ?? []) this.journal.save(toStoredDevice(device));
    this.journal.flush();
    this.journal.compact();
    rmSync(path, { force: true });
  }
}

/** The durable part of a device: drops the latest readings (InfluxDB has them). */
export function toStoredDevice(device: DeviceRecord): StoredDevice {
  const { lastTelemetrySeq: _seq, lastTelemetryTs: _ts, telemetryGaps: _gaps, circuits, ...rest } = device;
  return { ...rest, circuits: circuits.map(({ reading: _r, readingTs: _rt, ...circuit }) => circuit) };
}
