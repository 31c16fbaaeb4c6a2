import {
  CommandAckMessage,
  CommandOp,
  MAX_PAYLOAD_BYTES,
  PROTOCOL_VERSION,
  RelayState,
  SignedKind,
  TIME_UNKNOWN_MS,
  unverifiedCommandId,
  utf8ByteLength,
  utf8Decode,
  validateMessage,
} from '@dinmeter/shared';
import { Publisher } from '../outbox/outbox';
import { knownWallMs } from '../outbox/wall-time';
import { Clock, SettingsStore } from '../ports';
import { SignedMessageVerifier } from '../security/signed-messages';
import { CommandSeqStore, SEQ_KEY } from './command-seq';
import { CommandGateStats, CommandHandler, CommandRefusal, PlanSink } from './command-gate.types';

/** The circuits an ack can speak about (the relay manager): undefined = no such circuit on this meter. */
export interface CircuitStates {
  stateOf(circuit: number): RelayState | undefined;
}

export interface CommandGateOptions {
  publisher: Publisher;
  clock: Clock;
  /** Checks the MAC of every command and plan with this meter's command key, before anything else. */
  verifier: SignedMessageVerifier;
  /** Where the last applied seq survives a reboot. */
  settings: SettingsStore;
  circuits: CircuitStates;
  plans: PlanSink;
}

/** Acks remembered for re-sent commands, by id + seq (a re-send repeats both; a re-issue has a new seq). */
const RECENT_ACKS = 16;

/**
 * The meter's one way in for commands (docs/relay-safety.md "Commands", docs/security.md "Signed
 * commands"): verifies the MAC, answers a re-sent command with its first ack, refuses what is
 * retained, invalid, for a missing circuit, without wall time, expired or of a stale seq, consumes
 * the seq, and hands each op to the one handler registered for it. Exactly one ack per command
 * with a readable id. Portable: no timers.
 *
 *     gate.register('reset_trip', (command, at) => relays.resetTrip(command.circuit, at.nowMs));
 */
export class CommandGate {
  readonly stats: CommandGateStats = {
    commandsApplied: 0,
    commandsRefused: 0,
    retainedIgnored: 0,
    unreadable: 0,
    commandsUnauthenticated: 0,
    repeatsAnswered: 0,
  };
  private readonly handlers: { [Op in CommandOp]?: CommandHandler<Op> } = {};
  private readonly recentAcks = new Map<string, string>();
  private readonly seqStore: CommandSeqStore;
  private lastSeq = 0;
  private started = false;

  constructor(private readonly o: CommandGateOptions) {
    this.seqStore = new CommandSeqStore(o.settings);
    this.register('ping', () => undefined);
  }

  /** One handler per op; a second registration of an op is a programmer error. */
  register<Op extends CommandOp>(op: Op, handler: CommandHandler<Op>): void {
    if (this.handlers[op] !== undefined) throw new Error(`command op ${op} already has a handler`);
    (this.handlers as Record<string, unknown>)[op] = handler;
  }

  /** Loads the last applied seq. */
  start(): void {
    if (this.started) throw new Error('CommandGate.start() called twice');
    const loaded = this.seqStore.load();
    this.lastSeq = loaded.seq;
    this.started = true;
    if (loaded.problem !== undefined) this.fault(loaded.problem);
  }

  /** A message on this meter's cmd or plan topic: only bytes whose MAC verified go on. */
  onMessage(kind: SignedKind, payload: Uint8Array, retained: boolean, nowMs: number): void {
    this.assertStarted();
    const verified = this.o.verifier.verify(kind, payload);
    if (kind === 'plan') {
      if (verified.ok) return this.o.plans.handlePlan(verified.body, retained, nowMs);
      return this.o.plans.rejectUnauthenticatedPlan(verified.error, nowMs);
    }
    if (verified.ok) return this.handleCommand(verified.body, retained, nowMs);
    this.stats.commandsUnauthenticated++;
    // A retained command is never acked (nobody waits for it). The ack is not remembered: a flood
    // of forged commands must not push real acks out of the cache.
    const id = retained ? undefined : unverifiedCommandId(payload);
    if (id !== undefined)
      this.refuse(id, undefined, { code: 'unauthenticated', error: verified.error }, undefined);
  }

  /** A command whose MAC verified (onMessage); the gate's own tests call it directly. */
  handleCommand(body: Uint8Array | string, retained: boolean, nowMs: number): void {
    this.assertStarted();
    // A retained command may be years old: never applied, and not acked (nobody is waiting for it).
    if (retained) {
      this.stats.retainedIgnored++;
      return;
    }
    const read = readCommand(body);
    if (read === undefined) {
      this.stats.unreadable++;
      return;
    }
    // The backend re-sends until it sees the ack: a repeat gets the same ack and is never re-applied.
    const previous = this.recentAcks.get(read.key);
    if (previous !== undefined) {
      this.stats.repeatsAnswered++;
      return this.o.publisher.sendEncoded('cmd/ack', previous);
    }
    const decoded = validateMessage('cmd', read.value);
    if (!decoded.ok)
      return this.refuse(read.id, undefined, { code: 'invalid', error: decoded.errors.join('; ') }, read.key);
    const command = decoded.value;
    const circuit = 'circuit' in command ? command.circuit : undefined;
    if (circuit !== undefined && this.o.circuits.stateOf(circuit) === undefined) {
      return this.refuse(
        command.id,
        undefined,
        { code: 'invalid', error: `circuit ${circuit} does not exist on this device` },
        read.key,
      );
    }
    const wall = knownWallMs(this.o.clock);
    if (wall === undefined) {
      return this.refuse(
        command.id,
        circuit,
        { code: 'no_time', error: 'the device has no wall time yet, so expiry cannot be checked' },
        read.key,
      );
    }
    if (command.expires < wall) {
      return this.refuse(
        command.id,
        circuit,
        { code: 'expired', error: `expired at ${command.expires}, device time is ${wall}` },
        read.key,
      );
    }
    if (command.seq <= this.lastSeq) {
      return this.refuse(
        command.id,
        circuit,
        { code: 'stale_seq', error: `seq ${command.seq} is not above the last applied ${this.lastSeq}` },
        read.key,
      );
    }
    // The seq is consumed once a command passed the gate, even if the operation then fails:
    // a replay must never execute later, in another context.
    this.lastSeq = command.seq;
    this.saveSeq(command.seq);
    const handler = this.handlers[command.op] as CommandHandler<CommandOp> | undefined;
    const refused =
      handler === undefined
        ? { code: 'unsupported' as const, error: `${command.op} is not available on this device` }
        : handler(command as never, { wallMs: wall, nowMs });
    if (refused === undefined) {
      this.stats.commandsApplied++;
      this.ack({ v: PROTOCOL_VERSION, id: command.id, ok: true, ...this.ackState(circuit) }, read.key);
    } else {
      this.refuse(command.id, circuit, refused, read.key);
    }
  }

  private refuse(
    id: string,
    circuit: number | undefined,
    refused: CommandRefusal,
    key: string | undefined,
  ): void {
    this.stats.commandsRefused++;
    this.ack(
      {
        v: PROTOCOL_VERSION,
        id,
        ok: false,
        code: refused.code,
        error: clip(refused.error, 500),
        ...this.ackState(circuit),
      },
      key,
    );
  }

  /** The ack reports the circuit's actual state after the command. */
  private ackState(circuit: number | undefined): Partial<CommandAckMessage> {
    const wall = knownWallMs(this.o.clock);
    const state = circuit === undefined ? undefined : this.o.circuits.stateOf(circuit);
    return {
      ...(wall !== undefined ? { ts: wall } : {}),
      ...(circuit !== undefined && state !== undefined ? { circuit, state } : {}),
    };
  }

  private ack(message: CommandAckMessage, key: string | undefined): void {
    const payload = this.o.publisher.send('cmd/ack', message);
    if (key === undefined) return;
    this.recentAcks.set(key, payload);
    if (this.recentAcks.size > RECENT_ACKS)
      this.recentAcks.delete(this.recentAcks.keys().next().value as string);
  }

  private saveSeq(seq: number): void {
    try {
      this.seqStore.save(seq);
    } catch (error) {
      this.fault(
        `settings write of ${SEQ_KEY} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  private fault(message: string): void {
    this.o.publisher.send('events', {
      v: PROTOCOL_VERSION,
      ts: knownWallMs(this.o.clock) ?? TIME_UNKNOWN_MS,
      type: 'fault',
      message: clip(message, 200),
    });
  }

  private assertStarted(): void {
    if (!this.started) throw new Error('CommandGate used before start()');
  }
}

/** The one parse of a command: its JSON and the id + seq it is acked and remembered by; undefined when it has no usable id. */
function readCommand(body: Uint8Array | string): { value: unknown; id: string; key: string } | undefined {
  const size = typeof body === 'string' ? utf8ByteLength(body) : body.byteLength;
  if (size > MAX_PAYLOAD_BYTES.cmd) return undefined;
  const text = typeof body === 'string' ? body : utf8Decode(body);
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { id, seq } = value as { id?: unknown; seq?: unknown };
  if (typeof id !== 'string' || id.length < 1 || id.length > 64) return undefined;
  return { value, id, key: `${id}#${String(seq)}` };
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
