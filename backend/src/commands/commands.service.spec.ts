import { ConflictException, Logger, NotFoundException } from '@nestjs/common';
import { Command, CommandAckMessage, decodeMessage, macInput, openSigned, topics } from '@dinmeter/shared';
import { createHmac } from 'node:crypto';
import { Counters } from '../common/counters';
import { loadConfig } from '../config/app-config';
import { DevicesService } from '../devices/devices.service';
import { InMemoryMqttBus } from '../mqtt/in-memory-mqtt-bus.testing';
import { CommandsService } from './commands.service';
import { CommandBody, CommandRecord, CommandsFile, CommandsRepository } from './commands.types';

const START = Date.UTC(2024, 5, 1, 12, 0, 0);
const RELAY_OFF: CommandBody = { op: 'relay', circuit: 3, state: 'off' };
/** Every device has this key but `no-key`. */
const KEY = Buffer.alloc(32, 9);

/** The command inside a published payload, after checking its MAC as the meter does. */
function verifiedCommand(payload: string): Command {
  const opened = openSigned('cmd', Buffer.from(payload));
  if (!opened.ok) throw new Error(`published an unsigned command: ${opened.error}`);
  const expected = createHmac('sha256', KEY).update(macInput('cmd', opened.body)).digest();
  if (!expected.equals(Buffer.from(opened.mac))) throw new Error('published a command with a wrong MAC');
  const decoded = decodeMessage('cmd', opened.body);
  if (!decoded.ok) throw new Error(`published an invalid command: ${decoded.errors.join('; ')}`);
  return decoded.value;
}

class MemoryCommandsRepository implements CommandsRepository {
  saved?: CommandsFile;
  saves = 0;
  flushes = 0;
  constructor(private readonly initial?: CommandsFile) {}
  load(fallback: CommandsFile): CommandsFile {
    return this.initial ?? fallback;
  }
  save(data: CommandsFile): void {
    this.saved = JSON.parse(JSON.stringify(data));
    this.saves++;
  }
  flush(): void {
    this.flushes++;
  }
}

function setup(options: { file?: CommandsFile; env?: Record<string, string> } = {}) {
  const mqtt = new InMemoryMqttBus();
  /** The commands published, checked as the meter checks them. */
  const sent: { topic: string; command: Command; options: unknown }[] = [];
  jest.spyOn(mqtt, 'publish').mockImplementation(async (topic, payload, options) => {
    sent.push({ topic, command: verifiedCommand(payload), options });
  });
  const repository = new MemoryCommandsRepository(options.file);
  const counters = new Counters();
  const config = loadConfig({ COMMAND_TTL_S: '60', COMMAND_RETRY_S: '5', ...options.env });
  const keyless = new Set(['no-key']);
  const keys = { keyFor: (id: string) => (keyless.has(id) ? undefined : new Uint8Array(KEY)) };
  const devices = {
    get: (id: string) => {
      if (id === 'unknown') throw new NotFoundException(`unknown device ${id}`);
      return {};
    },
  };
  const service = new CommandsService(config, repository, () => Date.now(), mqtt, counters, keys, devices as unknown as DevicesService);
  service.onModuleInit();
  const ack = (device: string, message: Partial<CommandAckMessage> & { id: string }) =>
    mqtt.deliver(topics.cmdAck(device), JSON.stringify({ v: 1, ok: true, ...message }));
  return { service, mqtt, sent, repository, counters, ack, keyless };
}

/** Moves the fake clock (Date.now) and runs the 1 s resend timer in between. */
const advance = (ms: number) => jest.advanceTimersByTime(ms);

describe(CommandsService.name, () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: START, doNotFake: ['nextTick', 'queueMicrotask'] });
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  describe('send', () => {
    it('should send to a meter whose id is an Object.prototype name such as constructor (found by the fuzz)', () => {
      const { service, sent } = setup();

      for (const id of ['constructor', 'toString', 'hasOwnProperty']) service.send(id, RELAY_OFF);

      expect(sent.map((s) => [s.topic, s.command.seq])).toEqual([
        [topics.cmd('constructor'), START],
        [topics.cmd('toString'), START],
        [topics.cmd('hasOwnProperty'), START],
      ]);
    });

    it('should refuse an unknown device with a 404, publishing and keeping nothing', () => {
      const { service, sent, repository } = setup();

      expect(() => service.send('unknown', RELAY_OFF)).toThrow(NotFoundException);
      expect(sent).toEqual([]);
      expect(repository.saves).toBe(0);
    });

    it('should refuse a device without a command key with a 409, publishing and keeping nothing', () => {
      const { service, sent, repository } = setup();

      expect(() => service.send('no-key', RELAY_OFF)).toThrow(ConflictException);
      expect(() => service.send('no-key', RELAY_OFF)).toThrow('device no-key has no command key');
      expect(sent).toEqual([]);
      expect(repository.saves).toBe(0);
      expect(service.history('no-key')).toEqual([]);
    });

    it('should fail a pending command whose device lost its key instead of re-sending it unsigned', () => {
      const { service, sent, keyless } = setup();
      const record = service.send('m1', RELAY_OFF);
      keyless.add('m1');

      advance(5000);

      expect(sent).toHaveLength(1);
      expect(service.get(record.commandId)).toMatchObject({ status: 'failed', code: 'no_command_key' });
    });

    it('should publish the command once, QoS 1 and never retained, with id, seq and expiry', () => {
      const { service, sent, counters } = setup();

      const record = service.send('m1', RELAY_OFF);

      expect(sent).toEqual([
        {
          topic: topics.cmd('m1'),
          command: { v: 1, id: record.commandId, seq: START, expires: START + 60_000, op: 'relay', circuit: 3, state: 'off' },
          options: { qos: 1, retain: false },
        },
      ]);
      expect(record).toMatchObject({ deviceId: 'm1', status: 'pending', attempts: 1, createdAt: START, lastSentAt: START });
      expect(counters.get('commands_sent')).toBe(1);
    });

    it('should use the given lifetime for the expiry', () => {
      const { service } = setup();

      expect(service.send('m1', RELAY_OFF, 5).expiresAt).toBe(START + 5_000);
    });

    it('should make seqs strictly increasing per device and never below the current time', () => {
      const { service } = setup();

      const seqs = [service.send('m1', RELAY_OFF), service.send('m1', RELAY_OFF), service.send('m1', RELAY_OFF)].map((r) => r.seq);
      advance(10_000);
      const later = service.send('m1', RELAY_OFF).seq;
      const other = service.send('m2', RELAY_OFF).seq;

      expect(seqs).toEqual([START, START + 1, START + 2]);
      expect(later).toBe(START + 10_000);
      expect(other).toBe(START + 10_000);
    });

    it('should keep increasing past the stored last seq when the clock went back', () => {
      const { service } = setup({ file: { version: 1, lastSeq: { m1: START + 3_600_000 }, commands: [] } });

      expect(service.send('m1', RELAY_OFF).seq).toBe(START + 3_600_001);
    });

    it('should give every command its own id', () => {
      const { service } = setup();

      const ids = new Set(Array.from({ length: 20 }, () => service.send('m1', RELAY_OFF).commandId));

      expect(ids.size).toBe(20);
    });

    it('should persist the command and the last seq', () => {
      const { service, repository } = setup();

      const record = service.send('m1', RELAY_OFF);

      expect(repository.saved?.lastSeq).toEqual({ m1: record.seq });
      expect(repository.saved?.commands.map((c) => c.commandId)).toEqual([record.commandId]);
    });

    it('should publish each op with its own fields', () => {
      const { service, sent } = setup();

      service.send('m1', { op: 'ping' });
      service.send('m1', { op: 'reset_trip', circuit: 2 });
      service.send('m1', { op: 'config', circuit: 2, config: { overcurrentA: 16 } });
      service.send('m1', { op: 'calibrate', circuit: 2, calibration: { ugain: 0x6810 } });

      expect(sent.map(({ command: { v: _v, id: _id, seq: _seq, expires: _expires, ...body } }) => body)).toEqual([
        { op: 'ping' },
        { op: 'reset_trip', circuit: 2 },
        { op: 'config', circuit: 2, config: { overcurrentA: 16 } },
        { op: 'calibrate', circuit: 2, calibration: { ugain: 0x6810 } },
      ]);
    });

    it('should throw on an invalid command and keep nothing of it (no retry, no history, no seq)', () => {
      const { service, sent, repository } = setup();

      expect(() => service.send('m1', { op: 'relay', circuit: 11, state: 'on' })).toThrow(/\$\.circuit: 11 is above the maximum 10/);

      expect(service.history('m1')).toEqual([]);
      expect(repository.saves).toBe(0);
      expect(() => advance(10_000)).not.toThrow();
      expect(sent).toEqual([]);
      expect(service.send('m1', RELAY_OFF).seq).toBe(START + 10_000);
    });
  });

  describe('retries', () => {
    it('should re-send every COMMAND_RETRY_S until acknowledged', () => {
      const { service, sent, ack, counters } = setup();
      const record = service.send('m1', RELAY_OFF);

      advance(4_999);
      expect(sent).toHaveLength(1);
      advance(1);
      expect(sent).toHaveLength(2);
      advance(5_000);
      expect(sent).toHaveLength(3);
      expect(sent.every((s) => s.command.id === record.commandId && s.command.seq === record.seq)).toBe(true);
      expect(counters.get('commands_retried')).toBe(2);

      ack('m1', { id: record.commandId });
      advance(30_000);

      expect(sent).toHaveLength(3);
      expect(service.get(record.commandId).attempts).toBe(3);
    });

    it('should honour a different COMMAND_RETRY_S', () => {
      const { service, sent } = setup({ env: { COMMAND_RETRY_S: '2' } });
      service.send('m1', RELAY_OFF);

      advance(6_000);

      expect(sent).toHaveLength(4);
    });

    it('should not re-send while the broker connection is down', () => {
      const { service, sent, mqtt } = setup();
      service.send('m1', RELAY_OFF);
      mqtt.connected = false;

      advance(20_000);
      expect(sent).toHaveLength(1);

      mqtt.connected = true;
      advance(1_000);
      expect(sent).toHaveLength(2);
    });

    it('should expire an unacknowledged command and stop sending it', () => {
      const { service, sent, counters } = setup();
      const settled: CommandRecord[] = [];
      service.onSettled((r) => settled.push({ ...r }));
      const record = service.send('m1', RELAY_OFF, 12);

      advance(11_999);
      expect(service.get(record.commandId).status).toBe('pending');
      advance(1);
      expect(service.get(record.commandId).status).toBe('expired');
      const attempts = sent.length;
      advance(60_000);

      expect(sent).toHaveLength(attempts);
      expect(settled.map((r) => r.status)).toEqual(['expired']);
      expect(counters.get('commands_expired')).toBe(1);
    });

    it('should resume pending commands loaded from the repository after a restart', () => {
      const pending: CommandRecord = {
        commandId: 'c-1',
        deviceId: 'm1',
        seq: START - 1_000,
        body: RELAY_OFF,
        status: 'pending',
        createdAt: START - 1_000,
        expiresAt: START + 30_000,
        attempts: 1,
        lastSentAt: START - 1_000,
      };
      const { service, sent } = setup({ file: { version: 1, lastSeq: { m1: START - 1_000 }, commands: [pending] } });

      advance(4_000);

      expect(sent.map((s) => s.command.id)).toEqual(['c-1']);
      expect(service.get('c-1').attempts).toBe(2);
    });
  });

  describe('acks', () => {
    it('should mark an acknowledged command acked with the relay state, once', () => {
      const { service, ack, counters, repository } = setup();
      const settled: CommandRecord[] = [];
      service.onSettled((r) => settled.push({ ...r }));
      const record = service.send('m1', RELAY_OFF);
      advance(700);

      ack('m1', { id: record.commandId, state: 'off', circuit: 3 });
      ack('m1', { id: record.commandId, state: 'off', circuit: 3 });

      expect(service.get(record.commandId)).toMatchObject({ status: 'acked', state: 'off', ackedAt: START + 700 });
      expect(settled.map((r) => r.status)).toEqual(['acked']);
      expect(counters.get('commands_acked')).toBe(1);
      expect(repository.saved?.commands[0].status).toBe('acked');
    });

    it('should mark a refused command failed with its code and error', () => {
      const { service, ack, counters } = setup();
      const record = service.send('m1', RELAY_OFF);

      ack('m1', { id: record.commandId, ok: false, code: 'tripped', error: 'circuit 3 is tripped' });

      expect(service.get(record.commandId)).toMatchObject({ status: 'failed', code: 'tripped', error: 'circuit 3 is tripped' });
      expect(counters.get('commands_failed')).toBe(1);
    });

    it('should ignore an ack from another device', () => {
      const { service, ack, counters } = setup();
      const record = service.send('m1', RELAY_OFF);

      ack('m2', { id: record.commandId });

      expect(service.get(record.commandId).status).toBe('pending');
      expect(counters.get('commands_unknown_ack')).toBe(1);
    });

    it('should count an ack for an unknown command', () => {
      const { ack, counters } = setup();

      ack('m1', { id: 'never-sent' });

      expect(counters.get('commands_unknown_ack')).toBe(1);
    });

    it('should reject a malformed ack, count it and change nothing', () => {
      const { service, mqtt, counters } = setup();
      const record = service.send('m1', RELAY_OFF);

      mqtt.deliver(topics.cmdAck('m1'), JSON.stringify({ v: 1, id: record.commandId, ok: 'yes' }));
      mqtt.deliver(topics.cmdAck('m1'), '{oops');

      expect(service.get(record.commandId).status).toBe('pending');
      expect(counters.get('mqtt_rejected_cmd_ack')).toBe(2);
    });
  });

  describe('history', () => {
    it('should list a device commands newest first, up to the limit', () => {
      const { service } = setup();
      const ids = Array.from({ length: 5 }, () => service.send('m1', RELAY_OFF).commandId);
      service.send('m2', RELAY_OFF);

      expect(service.history('m1', 3).map((r) => r.commandId)).toEqual(ids.slice(-3).reverse());
      expect(service.history('m1')).toHaveLength(5);
    });

    it('should keep at most 500 settled commands per device, dropping the oldest', () => {
      const { service, ack } = setup();
      const first = service.send('m1', RELAY_OFF);
      ack('m1', { id: first.commandId });
      for (let k = 0; k < 499; k++) ack('m1', { id: service.send('m1', RELAY_OFF).commandId });
      const other = service.send('m2', RELAY_OFF);

      const newest = service.send('m1', RELAY_OFF);

      expect(service.history('m1', 10_000)).toHaveLength(500);
      expect(service.history('m1', 1)[0].commandId).toBe(newest.commandId);
      expect(() => service.get(first.commandId)).toThrow(NotFoundException);
      expect(service.get(other.commandId).deviceId).toBe('m2');
    });

    it('should never drop a pending command to bound the history', () => {
      const { service } = setup();
      const first = service.send('m1', RELAY_OFF, 3_600);
      for (let k = 0; k < 500; k++) service.send('m1', RELAY_OFF, 3_600);

      expect(service.get(first.commandId).status).toBe('pending');
      expect(service.history('m1', 10_000)).toHaveLength(501);
    });
  });

  describe('settled', () => {
    it('should resolve with the command once the meter acked it', async () => {
      const { service, ack } = setup();
      const record = service.send('m1', RELAY_OFF);
      const outcome = service.settled(record.commandId);

      ack('m1', { id: record.commandId, state: 'off', circuit: 3 });

      await expect(outcome).resolves.toMatchObject({ commandId: record.commandId, status: 'acked', state: 'off' });
    });

    it('should resolve with the expired command when no ack came', async () => {
      const { service } = setup();
      const record = service.send('m1', RELAY_OFF, 5);
      const outcome = service.settled(record.commandId);

      advance(6_000);

      await expect(outcome).resolves.toMatchObject({ status: 'expired' });
    });

    it('should resolve at once for a settled command, and throw for an unknown one', async () => {
      const { service, ack } = setup();
      const record = service.send('m1', RELAY_OFF);
      ack('m1', { id: record.commandId, ok: false, code: 'tripped' });

      await expect(service.settled(record.commandId)).resolves.toMatchObject({ status: 'failed', code: 'tripped' });
      expect(() => service.settled('nope')).toThrow(NotFoundException);
    });
  });

  describe('get', () => {
    it('should throw NotFoundException for an unknown id', () => {
      const { service } = setup();

      expect(() => service.get('nope')).toThrow(new NotFoundException('unknown command "nope"'));
    });
  });

  describe('onModuleDestroy', () => {
    it('should stop the resend timer and flush the repository', () => {
      const { service, sent, repository } = setup();
      service.send('m1', RELAY_OFF);

      service.onModuleDestroy();
      advance(60_000);

      expect(sent).toHaveLength(1);
      expect(repository.flushes).toBe(1);
    });
  });
});
