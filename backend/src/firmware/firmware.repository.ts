import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { JsonFileRepository } from '../common/json-file.repository';
import { FirmwareImage, FirmwareStore } from './firmware.types';

/** Images as files named by their SHA-256 under DATA_DIR/firmware, with a JSON index beside them. */
export class FileFirmwareStore implements FirmwareStore {
  private readonly index: JsonFileRepository<{ version: 1; images: FirmwareImage[] }>;
  private readonly images: FirmwareImage[];

  constructor(private readonly dir: string) {
    this.index = new JsonFileRepository(join(dir, 'index.json'), 0);
    this.images = this.index.load({ version: 1, images: [] }).images;
  }

  list(): FirmwareImage[] {
    return this.images.slice();
  }

  add(image: FirmwareImage, bytes: Uint8Array): void {
    mkdirSync(this.dir, { recursive: true });
    // The bytes first, then the index: an index entry always has its file.
    const path = this.pathOf(image.sha256);
    writeFileSync(`${path}.tmp`, bytes);
    renameSync(`${path}.tmp`, path);
    this.images.push(image);
    this.index.save({ version: 1, images: this.images });
    this.index.flush();
  }

  pathOf(sha256: string): string {
    return resolve(this.dir, `${sha256}.bin`);
  }
}
