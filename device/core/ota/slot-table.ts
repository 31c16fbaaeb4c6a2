/**
 * The otadata bookkeeping of two app slots as plain data, for platforms that keep it themselves
 * (the virtual meter's files, the in-memory test slots): which slot boots, and per slot its
 * version, whether it is confirmed and how often it booted unconfirmed. Portable.
 */
import { RunningImage } from './ota.ports';

export interface SlotTable {
  boot: 0 | 1;
  slots: [SlotEntry | null, SlotEntry | null];
}
export interface SlotEntry {
  version: string;
  state: 'confirmed' | 'pending';
  bootAttempts: number;
}

export function initialSlotTable(version: string): SlotTable {
  return { boot: 0, slots: [{ version, state: 'confirmed', bootAttempts: 0 }, null] };
}

/** A boot of the table's boot slot: counts the attempt of a pending image. */
export function booted(table: SlotTable): RunningImage {
  const entry = table.slots[table.boot] as SlotEntry;
  if (entry.state === 'pending') entry.bootAttempts++;
  return { ...entry };
}

export const otherSlot = (table: SlotTable): 0 | 1 => (table.boot === 0 ? 1 : 0);

/** The other slot holds a complete image of `version`: it boots next, pending. */
export function activated(table: SlotTable, version: string): void {
  const target = otherSlot(table);
  table.slots[target] = { version, state: 'pending', bootAttempts: 0 };
  table.boot = target;
}

export function confirmed(table: SlotTable): void {
  (table.slots[table.boot] as SlotEntry).state = 'confirmed';
}

/** The running image is dropped and the other one boots next; throws when there is none. */
export function rolledBack(table: SlotTable): void {
  const previous = otherSlot(table);
  if (!table.slots[previous]) throw new Error('no previous image to roll back to');
  table.slots[table.boot] = null;
  table.boot = previous;
}
