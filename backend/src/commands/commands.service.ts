import { ConflictException, Inject, Injectable, Logger, NotFoundException, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { decodeMessage, encodeMessage, PROTOCOL_VERSION, topics, Command } from '@dinmeter/shared';
import { randomUUID } from 'node:crypto';
import { COMMAND_KEYS, CommandKeys } from '../security/command-keys';
import { signForDevice } from '../security/signing';
import { AppConfig } from '../config/app-config';
import { Counters } from '../common/counters';
import { CLOCK, NowFn } from '../common/tokens';
import { DevicesService } from '../devices/devices.service';
import { MQTT_BUS, MqttBus } from '../mqtt/mqtt-bus';
import { CommandBody, CommandRecord, COMMANDS_REPOSITORY, CommandsFile, CommandsRepository } from './commands.types';
import { ownValue } from '../common/own-value';

const HISTORY_PER_DEVICE = 500;

/**
 * The one way to command a meter: every route, the Home Assistant bridge and the guards call send().
 * Commands to meters (docs/invariants.md invariant 2): each has an id, a per-device increasing seq and an
 * expiry; it is published (QoS 1, never retained) and re-sent until the device acknowledges it or
 * it expires. Seqs are at least the current time in ms, so they keep increasing even if this
 * backend's data folder is lost. Every copy is signed with the meter's command key
 * (docs/security.md "Signed commands"); a meter without one cannot be commanded.
 */
@Injectable()
export class CommandsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(CommandsService.name);
  private file!: CommandsFile;
  private readonly byId = new Map<string, CommandRecord>();
  private timer?: NodeJS.Timeout;
  private readonly ackListeners: ((record: CommandRecord) => void)[] = [];
  /** settled() promises waiting for a command's outcome, by command id. */
  private readonly waiting = new Map<string, ((record: CommandRecord) => void)[]>();

  constructor(
    private readonly config: AppConfig,
    @Inject(COMMANDS_REPOSITORY) private readonly repository: CommandsRepository,
    @Inject(CLOCK) private readonly now: NowFn,
    @Inject(MQTT_BUS) private readonly mqtt: MqttBus,
    private readonly counters: Counters,
    @Inject(COMMAND_KEYS) private readonly keys: CommandKeys,
    private readonly devices: DevicesService,
  ) {}

  onModuleInit(): void {
    this.file = this.repository.load({ version: 1, lastSeq: {}, commands: [] });
    for (const record of this.file.commands) this.byId.set(record.commandId, record);
    this.mqtt.on('cmd/ack', (id, payload) => this.onAck(id, payload));
    this.timer = setInterval(() => this.resendDue(), 1000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.repository.flush();
  }

  /** Listen for acknowledged or failed commands (automation, config confirmation). */
  onSettled(listener: (record: CommandRecord) => void): void {
    this.ackListeners.push(listener);
  }

  /**
   * Signs, records and publishes a command; the resend timer repeats it until the meter acks or it
   * expires. Throws 404 for an unknown meter and 409 for one without a command key, keeping nothing.
   */
  send(deviceId: string, body: CommandBody, ttlSeconds = this.config.COMMAND_TTL_S): CommandRecord {
    this.devices.get(deviceId);
    const now = this.now();
    const seq = this.nextSeq(deviceId, now);
    const record: CommandRecord = {
      commandId: randomUUID(),
      deviceId,
      seq,
      body,
      status: 'pending',
      createdAt: now,
      expiresAt: now + ttlSeconds * 1000,
      attempts: 0,
    };
    // Throws on an invalid body, or a device without a command key, before anything is kept: a
    // stored invalid command would throw again from the resend timer on every retry.
    if (!this.keys.keyFor(deviceId)) {
      throw new ConflictException(`device ${deviceId} has no command key: commands to it cannot be signed, and the meter refuses unsigned ones (docs/security.md)`);
    }
    this.encode(record);
    this.file.lastSeq[deviceId] = seq;
    this.byId.set(record.commandId, record);
    this.file.commands.push(record);
    this.trimHistory(deviceId);
    this.publish(record);
    this.persist();
    this.counters.inc('commands_sent');
    return record;
  }

  /** Resolves with the command once the meter acked or refused it, or it expired (at once if it has). */
  settled(commandId: string): Promise<CommandRecord> {
    const record = this.get(commandId);
    if (record.status !== 'pending') return Promise.resolve(record);
    return new Promise((resolve) => this.waiting.set(commandId, [...(this.waiting.get(commandId) ?? []), resolve]));
  }

  get(commandId: string): CommandRecord {
    const record = this.byId.get(commandId);
    if (!record) throw new NotFoundException(`unknown command ${JSON.stringify(commandId)}`);
    return record;
  }

  /** Also of a meter the registry forgot: its commands stay until the history is trimmed. */
  history(deviceId: string, limit = 100): CommandRecord[] {
    return this.file.commands.filter((c) => c.deviceId === deviceId).slice(-limit).reverse();
  }

  /** The signed envelope; throws when the device has no command key (any more). */
  private encode(record: CommandRecord): string {
    const command = {
      v: PROTOCOL_VERSION,
      id: record.commandId,
      seq: record.seq,
      expires: record.expiresAt,
      ...record.body,
    } as Command;
    return signForDevice(this.keys, record.deviceId, 'cmd', encodeMessage('cmd', command));
  }

  private publish(record: CommandRecord): void {
    let payload: string;
    try {
      payload = this.encode(record);
    } catch (error) {
      // The key went away (meter revoked) while the command was pending: it can never be delivered.
      record.status = 'failed';
      record.code = 'no_command_key';
      record.error = (error as Error).message;
      this.counters.inc('commands_failed');
      this.logger.warn(`command ${record.commandId} to ${record.deviceId} failed: ${record.error}`);
      this.settle(record);
      return;
    }
    record.attempts++;
    record.lastSentAt = this.now();
    this.mqtt.publishQuietly(topics.cmd(record.deviceId), payload, { qos: 1, retain: false });
  }

  /** Commands sent and neither acknowledged nor expired yet (a queue depth on GET /metrics). */
  pendingCount(): number {
    return this.file.commands.filter((record) => record.status === 'pending').length;
  }

  private resendDue(): void {
    const now = this.now();
    let changed = false;
    for (const record of this.file.commands) {
      if (record.status !== 'pending') continue;
      if (now >= record.expiresAt) {
        record.status = 'expired';
        changed = true;
        this.counters.inc('commands_expired');
        this.logger.warn(`command ${record.commandId} (${record.body.op}) to ${record.deviceId} expired unacknowledged`);
        this.settle(record);
      } else if (now - (record.lastSentAt ?? 0) >= this.config.COMMAND_RETRY_S * 1000 && this.mqtt.connected) {
        this.publish(record);
        changed = true;
        this.counters.inc('commands_retried');
      }
    }
    if (changed) this.persist();
  }

  private nextSeq(deviceId: string, now: number): number {
    return Math.max((ownValue(this.file.lastSeq, deviceId) ?? 0) + 1, now);
  }

  private onAck(deviceId: string, payload: Buffer): void {
    const result = decodeMessage('cmd/ack', payload);
    if (!result.ok) {
      this.counters.inc('mqtt_rejected_cmd_ack');
      this.logger.warn(`rejected cmd/ack from ${deviceId}: ${result.errors.slice(0, 5).join('; ')}`);
      return;
    }
    const ack = result.value;
    const record = this.byId.get(ack.id);
    if (!record || record.deviceId !== deviceId) {
      this.counters.inc('commands_unknown_ack');
      return;
    }
    if (record.status === 'expired' && ack.ok) {
      // The meter applied it (its clock said it was still valid) after we gave up: the truth wins.
      record.status = 'acked';
      record.lateAck = true;
      record.ackedAt = this.now();
      record.state = ack.state;
      this.persist();
      return;
    }
    if (record.status !== 'pending') return; // a re-sent command acknowledged twice
    const now = this.now();
    if (!ack.ok && ack.code === 'stale_seq' && (record.reissues ?? 0) < 3 && now < record.expiresAt) {
      // A newer command overtook this one (or the meter rebooted after applying it and lost the ack):
      // every op is idempotent, so send it again under a fresh seq rather than fail it.
      record.reissues = (record.reissues ?? 0) + 1;
      record.seq = this.nextSeq(deviceId, now);
      this.file.lastSeq[deviceId] = record.seq;
      this.publish(record);
      this.persist();
      this.counters.inc('commands_reissued');
      return;
    }
    record.status = ack.ok ? 'acked' : 'failed';
    record.ackedAt = this.now();
    record.state = ack.state;
    record.code = ack.code;
    record.error = ack.error;
    this.counters.inc(ack.ok ? 'commands_acked' : 'commands_failed');
    if (!ack.ok) this.logger.warn(`device ${deviceId} refused command ${ack.id}: ${ack.code ?? ''} ${ack.error ?? ''}`);
    this.persist();
    this.settle(record);
  }

  private settle(record: CommandRecord): void {
    for (const listener of this.ackListeners) listener(record);
    for (const resolve of this.waiting.get(record.commandId) ?? []) resolve(record);
    this.waiting.delete(record.commandId);
  }

  private trimHistory(deviceId: string): void {
    const mine = this.file.commands.filter((c) => c.deviceId === deviceId);
    if (mine.length <= HISTORY_PER_DEVICE) return;
    const drop = new Set(mine.slice(0, mine.length - HISTORY_PER_DEVICE).filter((c) => c.status !== 'pending'));
    this.file.commands = this.file.commands.filter((c) => !drop.has(c));
    for (const record of drop) this.byId.delete(record.commandId);
  }

  private persist(): void {
    this.repository.save(this.file);
  }
}
