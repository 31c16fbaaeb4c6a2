import { seededRandom } from '../util/seeded-random';
/**
 * Power-cut injection shared by the simulated flash partitions (MemoryFlash here, FileFlash on the
 * host). A cut lets the interrupted write or erase persist only a prefix of its bytes, throws
 * PowerCutError, and leaves the partition dead until powerOn(): the test "reboots" by opening a new
 * RecordLog over the same partition.
 */
export class PowerCutError extends Error {
  override name = 'PowerCutError';
}

export { seededRandom };

export class PowerCutSwitch {
  private writeBudget = Infinity;
  private erasesBeforeCut = Infinity;
  private eraseKeptBytes = 0;
  private dead = false;

  /** The cut hits once `afterBytes` more bytes have been written: the write that crosses it keeps only its first bytes. */
  armPowerCut(options: { afterBytes: number }): void {
    if (!(options.afterBytes >= 0)) throw new RangeError(`afterBytes ${options.afterBytes}`);
    this.writeBudget = options.afterBytes;
  }

  /** A cut somewhere in the next `maxBytes` bytes written, drawn from `random` (e.g. seededRandom(seed)). */
  armRandomPowerCut(random: () => number, maxBytes: number): number {
    const afterBytes = Math.floor(random() * maxBytes);
    this.armPowerCut({ afterBytes });
    return afterBytes;
  }

  /** The erase after `afterErases` more erases is cut: only its first `erasedBytes` bytes become 0xFF. */
  armEraseCut(options: { afterErases?: number; erasedBytes: number }): void {
    this.erasesBeforeCut = options.afterErases ?? 0;
    this.eraseKeptBytes = options.erasedBytes;
  }

  get poweredOff(): boolean {
    return this.dead;
  }

  /** Power is back: the cut is disarmed. */
  powerOn(): void {
    this.dead = false;
    this.writeBudget = Infinity;
    this.erasesBeforeCut = Infinity;
  }

  assertPowered(): void {
    if (this.dead) throw new PowerCutError('flash is powered off (call powerOn)');
  }

  /** How many bytes of a write of `length` persist; the caller writes them and then calls cutIfDue(). */
  bytesToWrite(length: number): number {
    this.assertPowered();
    if (length <= this.writeBudget) {
      this.writeBudget -= length;
      return length;
    }
    const kept = this.writeBudget;
    this.writeBudget = Infinity;
    this.dead = true;
    return kept;
  }

  /** How many leading bytes of a sector erase of `length` take effect. */
  bytesToErase(length: number): number {
    this.assertPowered();
    if (this.erasesBeforeCut > 0) {
      this.erasesBeforeCut--;
      return length;
    }
    this.erasesBeforeCut = Infinity;
    this.dead = true;
    return Math.min(length, this.eraseKeptBytes);
  }

  /** Throws if the last operation was cut. */
  cutIfDue(what: string): void {
    if (this.dead) throw new PowerCutError(`power cut during ${what}`);
  }
}
