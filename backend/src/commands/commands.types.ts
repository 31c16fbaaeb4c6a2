import { Command, RelayState } from '@dinmeter/shared';

export type CommandStatus = 'pending' | 'acked' | 'failed' | 'expired';

/** The op-specific part of a command; the service adds v, id, seq and expires. */
export type CommandBody = Command extends infer C ? (C extends Command ? Omit<C, 'v' | 'id' | 'seq' | 'expires'> : never) : never;

export interface CommandRecord {
  commandId: string;
  deviceId: string;
  seq: number;
  body: CommandBody;
  status: CommandStatus;
  createdAt: number;
  expiresAt: number;
  attempts: number;
  /** Times the command got a fresh seq after the meter answered stale_seq (see CommandsService). */
  reissues?: number;
  /** The meter acknowledged it after the backend had marked it expired. */
  lateAck?: boolean;
  lastSentAt?: number;
  ackedAt?: number;
  /** From the device's ack. */
  state?: RelayState;
  code?: string;
  error?: string;
}

/** The 202 answer of every route that sends a command: follow it on GET /api/commands/{commandId}. */
export function commandAccepted(record: CommandRecord): { commandId: string; status: CommandStatus; expiresAt: string } {
  return { commandId: record.commandId, status: record.status, expiresAt: new Date(record.expiresAt).toISOString() };
}

export interface CommandsFile {
  version: 1;
  /** Highest seq issued per device: seqs must keep increasing across backend restarts. */
  lastSeq: Record<string, number>;
  commands: CommandRecord[];
}

export interface CommandsRepository {
  load(fallback: CommandsFile): CommandsFile;
  save(data: CommandsFile): void;
  flush(): void;
}
export const COMMANDS_REPOSITORY = Symbol('COMMANDS_REPOSITORY');
