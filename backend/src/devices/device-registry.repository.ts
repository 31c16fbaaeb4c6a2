import { readFileSync, rmSync } from 'node:fs';
import { JsonLinesJournal } from '../common/json-lines-journal';
import { DeviceRecord, DeviceRegistryRepository, StoredDevice } from './devices.types';

/**
 * The registry as a JSON-lines journal (DATA_DIR/devices.jsonl): a change to one meter appends one
 * line, so the cost of persisting does not grow with the number of meters. A `devices.json` from
 * before (the whole registry rewritten on every change) is imported once and removed.
 */
export class DeviceRegistryJournal implements DeviceRegistryRepository {
  private readonly journal: JsonLinesJournal<StoredDevice>;

  constructor(
    path: string,
    private readonly legacyPath?: string,
    delayMs = 1000,
  ) {
    this.journal = new JsonLinesJournal(path, delayMs);
  }

  load(): StoredDevice[] {
    if (!this.journal.exists() && this.legacyPath) this.importLegacy(this.legacyPath);
    return this.journal.load();
  }

  save(device: StoredDevice): void {
    this.journal.save(device);
  }

  remove(id: string): void {
    this.journal.remove(id);
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
