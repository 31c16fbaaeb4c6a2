import { SettingsStore } from '../ports';

/** The key predates the gate (the relay manager kept the seq): meters in the field keep theirs. */
export const SEQ_KEY = 'rl.seq';

/**
 * The last applied command seq, kept across reboots so a captured command is never applied twice.
 * Written once per applied command, only when it changed.
 */
export class CommandSeqStore {
  private written: string | undefined;

  constructor(private readonly settings: SettingsStore) {}

  /** The saved seq; `problem` when the saved value is unreadable (then 0: expiry still guards replays). */
  load(): { seq: number; problem?: string } {
    const text = this.settings.get(SEQ_KEY);
    this.written = text;
    if (text === undefined) return { seq: 0 };
    if (/^\d{1,16}$/.test(text) && Number.isSafeInteger(Number(text))) return { seq: Number(text) };
    return { seq: 0, problem: 'saved command seq unreadable, starting from 0 (expiry still guards replays)' };
  }

  /** Throws what the settings store throws (flash full): the gate reports it as a fault. */
  save(seq: number): void {
    const text = String(seq);
    if (this.written === text) return;
    this.settings.set(SEQ_KEY, text);
    this.written = text;
  }
}
