import { BadRequestException, ConflictException, Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { CircuitPlan, encodeMessage, PlanMessage, PROTOCOL_VERSION, topics } from '@dinmeter/shared';
import { CLOCK, NowFn } from '../common/tokens';
import { Counters } from '../common/counters';
import { AppConfig } from '../config/app-config';
import { DevicesService } from '../devices/devices.service';
import { MQTT_BUS, MqttBus } from '../mqtt/mqtt-bus';
import { PricesService } from '../prices/prices.service';
import { COMMAND_KEYS, CommandKeys } from '../security/command-keys';
import { signForDevice } from '../security/signing';
import { AutomationDto } from './automation.dto';
import { AUTOMATION_REPOSITORY, AutomationFile, AutomationRepository, CircuitAutomation, CircuitRuntime, circuitKey, parseCircuitKey } from './automation.types';
import { GuardsService } from './guards.service';
import { LeaderLeaseService } from '../leader/leader-lease.service';
import { buildCircuitPlan, planFingerprint } from './plan-builder';
import { cronError, expandSchedule } from './schedule-expander';
import { ownValue } from '../common/own-value';

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Automation rules per circuit (manual, schedule, cheapest, threshold + guards), kept in
 * DATA_DIR/automation.json. The leader turns them into one versioned PlanMessage per device,
 * published retained on topics.plan(deviceId), so the meter runs it offline; it re-plans on every
 * tick (cheap: unchanged plans are not re-sent), at once when a rule changes or prices arrive.
 */
@Injectable()
export class AutomationService implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AutomationService.name);
  private file!: AutomationFile;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private readonly planListeners: ((deviceId: string, plan: PlanMessage) => void)[] = [];

  constructor(
    @Inject(AUTOMATION_REPOSITORY) private readonly repository: AutomationRepository,
    @Inject(CLOCK) private readonly now: NowFn,
    private readonly config: AppConfig,
    private readonly devices: DevicesService,
    private readonly prices: PricesService,
    @Inject(MQTT_BUS) private readonly mqtt: MqttBus,
    private readonly leader: LeaderLeaseService,
    private readonly guards: GuardsService,
    private readonly counters: Counters,
    @Inject(COMMAND_KEYS) private readonly keys: CommandKeys,
  ) {}

  onModuleInit(): void {
    this.file = this.repository.load(emptyFile());
    this.prices.onNewPrices(() => void this.tick());
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.AUTOMATION_TICK_S * 1000);
    this.timer.unref();
    this.leader.onChange((leader) => {
      if (!leader) return;
      // Another instance may have led meanwhile with a shared DATA_DIR: take its file as the truth.
      this.repository.flush();
      this.file = this.repository.load(emptyFile());
      void this.tick();
    });
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.repository.flush();
  }

  get(deviceId: string, circuit: number) {
    this.devices.get(deviceId);
    const key = circuitKey(deviceId, circuit);
    const rule = this.file.rules[key] ?? { mode: 'manual' as const, updatedAt: 0 };
    const rt = this.file.runtime[key];
    return {
      device: deviceId,
      circuit,
      ...stripUndefined({ ...rule, updatedAt: rule.updatedAt ? iso(rule.updatedAt) : undefined }),
      state: {
        creditBalance: rt?.creditBalance,
        cutUntil: rt?.cutUntil && rt.cutUntil > this.now() ? iso(Math.min(rt.cutUntil, 8_640_000_000_000)) : undefined,
        cutReason: rt?.cutUntil && rt.cutUntil > this.now() ? rt.cutReason : undefined,
        alerts: (rt?.alerts ?? []).map((a) => ({ ...a, ts: iso(a.ts) })),
      },
      leader: this.leader.holder() ?? null,
    };
  }

  async put(deviceId: string, circuit: number, dto: AutomationDto) {
    this.devices.get(deviceId);
    this.assertWritable();
    const body = JSON.parse(JSON.stringify(dto)) as AutomationDto;
    const problems = ruleProblems(body);
    if (problems.length) throw new BadRequestException(problems);
    const key = circuitKey(deviceId, circuit);
    const rule: CircuitAutomation = { ...body, updatedAt: this.now() };
    const rt = this.runtime(key);
    if (body.guards?.credit?.balance !== undefined) rt.creditBalance = body.guards.credit.balance;
    if (body.guards?.credit && rt.cutReason === 'credit' && (rt.creditBalance ?? 0) > 0) this.liftCut(rt);
    if (!body.guards?.credit && rt.cutReason === 'credit') this.liftCut(rt);
    if (!body.guards?.budget && rt.cutReason === 'budget') this.liftCut(rt);
    rt.windows = []; // a new rule plans its windows afresh
    this.file.rules[key] = rule;
    this.save();
    await this.tick();
    return this.get(deviceId, circuit);
  }

  async topUp(deviceId: string, circuit: number, amount: number) {
    this.devices.get(deviceId);
    this.assertWritable();
    const key = circuitKey(deviceId, circuit);
    const credit = this.file.rules[key]?.guards?.credit;
    if (!credit) throw new BadRequestException(`circuit ${circuit} of ${deviceId} has no credit guard: PUT one in …/automation first`);
    const rt = this.runtime(key);
    rt.creditBalance = (rt.creditBalance ?? 0) + amount;
    if (rt.cutReason === 'credit' && rt.creditBalance > 0) this.liftCut(rt);
    this.save();
    await this.tick();
    return { device: deviceId, circuit, unit: credit.unit, balance: rt.creditBalance };
  }

  /** The circuit's part of the last pushed plan, and what the meter says it runs. */
  plan(deviceId: string, circuit: number) {
    const view = this.devices.circuit(deviceId, circuit);
    const key = circuitKey(deviceId, circuit);
    const plan = ownValue(this.file.plans, deviceId);
    const entry = plan?.circuits.find((c) => c.circuit === circuit);
    const meterVersion = view.relay?.plan_version ?? null;
    return {
      device: deviceId,
      circuit,
      mode: this.file.rules[key]?.mode ?? 'manual',
      version: plan?.version ?? null,
      issued: plan ? iso(plan.issued) : null,
      on: entry?.on.map((i) => ({ start: iso(i.start), end: iso(i.end) })) ?? [],
      validUntil: entry ? iso(entry.valid_until) : null,
      windows: (this.file.runtime[key]?.windows ?? []).map((w) => ({
        ...w,
        windowStart: iso(w.windowStart),
        windowEnd: iso(w.windowEnd),
        on: w.on.map((i) => ({ start: iso(i.start), end: iso(i.end) })),
        basis: undefined,
      })),
      meter: { planVersion: meterVersion, relay: view.relay?.state ?? null, reason: view.relay?.reason ?? null },
      inSync: entry !== undefined && meterVersion === plan?.version,
    };
  }

  /** Called after each plan is published (history/ writes it to InfluxDB). */
  onPlanPushed(listener: (deviceId: string, plan: PlanMessage) => void): void {
    this.planListeners.push(listener);
  }

  /** Every circuit with a rule other than manual. */
  automatedCircuits(): { deviceId: string; circuit: number; mode: CircuitAutomation['mode'] }[] {
    return Object.entries(this.file.rules)
      .filter(([, rule]) => rule.mode !== 'manual')
      .map(([key, rule]) => ({ ...parseCircuitKey(key), mode: rule.mode }));
  }

  rule(deviceId: string, circuit: number): CircuitAutomation | undefined {
    return this.file.rules[circuitKey(deviceId, circuit)];
  }

  /** One pass: guards, then plans. Runs only on the leader; concurrent calls coalesce. */
  async tick(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        if (this.leader.isLeader()) await this.pass().catch((error: Error) => this.logger.error(`automation pass failed: ${error.stack ?? error.message}`));
      } while (this.again);
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<void> {
    const now = this.now();
    for (const [key, rule] of Object.entries(this.file.rules)) {
      if (!rule.guards) continue;
      const { deviceId, circuit } = parseCircuitKey(key);
      try {
        await this.guards.evaluate(deviceId, circuit, rule, this.runtime(key), now);
      } catch (error) {
        this.logger.warn(`guards of ${key}: ${(error as Error).message}`);
      }
    }
    const prices = this.prices.planningSlots(now - 86_400_000);
    const byDevice = new Map<string, CircuitPlan[]>();
    for (const deviceId of Object.keys(this.file.plans)) byDevice.set(deviceId, []);
    for (const [key, rule] of Object.entries(this.file.rules)) {
      const { deviceId, circuit } = parseCircuitKey(key);
      const list = byDevice.get(deviceId) ?? [];
      byDevice.set(deviceId, list);
      const rt = this.runtime(key);
      if (rt.cutUntil !== undefined && rt.cutUntil <= now) this.liftCut(rt);
      try {
        const entry = buildCircuitPlan(circuit, rule, rt, { now, prices, defaultTimeZone: this.config.PRICE_TIMEZONE });
        if (entry) list.push(entry);
      } catch (error) {
        this.logger.warn(`plan of ${key}: ${(error as Error).message}`);
      }
    }
    for (const [deviceId, circuits] of byDevice) await this.push(deviceId, circuits, now);
    this.save();
  }

  private async push(deviceId: string, circuits: CircuitPlan[], now: number): Promise<void> {
    const previous = ownValue(this.file.plans, deviceId);
    if (previous && planFingerprint(previous.circuits, now) === planFingerprint(circuits, now)) return;
    if (!previous && circuits.length === 0) return;
    // Versions at least the current time in ms (like command seqs): they keep increasing across a
    // leader change even when the new leader has its own DATA_DIR.
    const version = Math.max((ownValue(this.file.lastVersion, deviceId) ?? 0) + 1, now);
    const plan: PlanMessage = { v: PROTOCOL_VERSION, version, issued: now, circuits: [...circuits].sort((a, b) => a.circuit - b.circuit) };
    if (!this.keys.keyFor(deviceId)) {
      // The meter refuses unsigned plans: nothing is published, and the next tick tries again.
      this.counters.inc('automation_plans_unsigned');
      this.logger.warn(`plan for ${deviceId} not pushed: the device has no command key (docs/security.md)`);
      return;
    }
    await this.mqtt.publish(topics.plan(deviceId), signForDevice(this.keys, deviceId, 'plan', encodeMessage('plan', plan)), { qos: 1, retain: true });
    this.file.lastVersion[deviceId] = version;
    this.file.plans[deviceId] = plan;
    this.counters.inc('automation_plans_pushed');
    for (const listener of this.planListeners) listener(deviceId, plan);
    this.logger.log(`plan ${version} → ${deviceId}: ${circuits.map((c) => `c${c.circuit} ${c.on.length} on-interval(s)`).join(', ') || 'no circuits'}`);
  }

  private runtime(key: string): CircuitRuntime {
    return (this.file.runtime[key] ??= { windows: [], alerts: [] });
  }

  private liftCut(rt: CircuitRuntime): void {
    rt.cutUntil = undefined;
    rt.cutReason = undefined;
  }

  private assertWritable(): void {
    const holder = this.leader.holder();
    if (holder !== undefined && holder !== this.leader.instanceId) {
      throw new ConflictException(`automation runs on backend instance ${holder}: send rule changes there (docs/automation.md)`);
    }
  }

  private save(): void {
    this.repository.save(this.file);
  }
}

function emptyFile(): AutomationFile {
  return { version: 1, rules: {}, runtime: {}, plans: {}, lastVersion: {} };
}

function stripUndefined<T extends object>(o: T): T {
  return JSON.parse(JSON.stringify(o)) as T;
}

/** Checks what class-validator cannot: the mode's settings are present and cron expressions parse. */
export function ruleProblems(body: AutomationDto): string[] {
  const problems: string[] = [];
  if (body.mode !== 'manual' && !body[body.mode]) problems.push(`mode ${body.mode} needs "${body.mode}" settings`);
  for (const other of ['schedule', 'cheapest', 'threshold'] as const) {
    if (other !== body.mode && body[other]) problems.push(`"${other}" is only allowed with mode ${other}`);
  }
  if (body.mode === 'schedule' && body.schedule) {
    for (const expression of [...body.schedule.on, ...body.schedule.off]) {
      const error = cronError(expression, body.schedule.timezone);
      if (error) problems.push(error);
    }
    if (problems.length === 0) {
      try {
        expandSchedule(body.schedule.on, body.schedule.off, body.schedule.timezone, Date.now(), Date.now() + 2 * 86_400_000);
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
  }
  const c = body.cheapest;
  if (body.mode === 'cheapest' && c) {
    if (c.from === c.to) problems.push('cheapest.from and cheapest.to must differ');
    if (!c.nonContiguous && (c.minBlockMinutes !== undefined || c.maxBlocks !== undefined)) problems.push('minBlockMinutes and maxBlocks need nonContiguous: true');
    if (c.minBlockMinutes !== undefined && c.minBlockMinutes > c.durationMinutes) problems.push('minBlockMinutes must not exceed durationMinutes');
  }
  return problems;
}
