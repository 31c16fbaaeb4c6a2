/**
 * Power-cut injection for the virtual board's storage (flash and NVS files). Every write goes
 * through `storageWrite`: it counts the writes since boot, and at `powerCutAtWrite` (board.json)
 * it lets only the first half of that write through and then stops the board dead, as a supply
 * that fails mid-write stops the ESP32: the firmware runs no further instruction (the board spins
 * until the runner kills the process on seeing POWER_CUT_LINE or the `power-cut` file).
 */
import { File } from 'file';
import { boardConfig } from './board-config';

let writes = 0;

/** The console line that reports the cut. */
export const POWER_CUT_LINE = 'virtual-board: power cut';
export const POWER_CUT_FILE = 'power-cut';

/** Performs one storage write of `byteLength` bytes: `write(n)` must write the first `n` bytes. */
export function storageWrite(what: string, byteLength: number, write: (bytes: number) => void): void {
  writes++;
  if (writes !== boardConfig().powerCutAtWrite) {
    write(byteLength);
    return;
  }
  const torn = Math.floor(byteLength / 2);
  write(torn);
  const marker = new File(POWER_CUT_FILE, true);
  marker.write(`${what}: ${torn} of ${byteLength} bytes\n`);
  marker.close();
  trace(`${POWER_CUT_LINE} during write ${writes} (${what}, ${torn} of ${byteLength} bytes)\n`);
  for (;;) {
    // no supply: nothing more happens until the runner kills the process
  }
}
