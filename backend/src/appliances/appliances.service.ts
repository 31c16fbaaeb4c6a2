import { Inject, Injectable, Logger, NotFoundException, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AlertMessage, decodeMessage, TelemetryMessage, PROTOCOL_VERSION, topics, validateMessage } from '@dinmeter/shared';
import { AppConfig } from '../config/app-config';
import { GenericPoint } from '../storage/storage.types';
import { AnomalyDetector, Anomaly, DEFAULT_ANOMALY_SETTINGS } from './analysis/anomaly-detector';
import { learnBaseline } from './analysis/baseline';
import { IdleWindow, Run, RunSegmenter } from './analysis/runs';
import { clusterRuns, matchSignature, signatureDistance } from './analysis/signatures';
import { applianceDiscoveryTopics, buildApplianceDiscovery } from './appliance-ha';
import { APPLIANCES_PORTS, AppliancesPorts } from './appliances.ports';
import { APPLIANCES_REPOSITORY, AppliancesFile, AppliancesRepository, CircuitAnomalySettings, CircuitHistory, KnownAppliance, StoredRun } from './appliances.types';

const DAY_MS = 86_400_000;
/** History kept per circuit: enough for a weekly pattern and a month's trend. */
const KEEP_DAYS = 35;
const MAX_RUNS = 5000;
/** Baselines need this much history, and learn again this often, from runs at least a day old. */
const MIN_HISTORY_DAYS = 3;
const RELEARN_MS = 6 * 3_600_000;
const TICK_MS = 60_000;
/** The same alert (circuit, appliance, kind) is not raised twice within this time. */
const REPEAT_MS = DAY_MS;
const MAX_ALERTS = 200;

interface LiveCircuit {
  history: CircuitHistory;
  segmenter: RunSegmenter;
  detector?: AnomalyDetector;
  lastTick: number;
  /** Recent step_change events (ts, data) to attach PF, THD and ΔQ to a run's start. */
  steps: { ts: number; pf?: number; thdI?: number; deltaVar?: number }[];
  running?: string;
  runStart?: number;
}

/**
 * Appliance recognition and anomaly detection per circuit, live from the meters' telemetry and
 * step_change events, with the pure analysis of ./analysis (the offline commands run the same code).
 * Runs, alerts and named appliances are kept in DATA_DIR/appliances.json; runs and alerts also go to
 * InfluxDB (measurements `appliance_run`, `anomaly`); alerts are published on dinmeter/<id>/alerts.
 */
@Injectable()
export class AppliancesService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(AppliancesService.name);
  private readonly circuits = new Map<string, LiveCircuit>();
  /** Something worth keeping happened (a run ended, an idle hour, an alert, a relearn): save the file. */
  private dirty = false;

  constructor(
    private readonly config: AppConfig,
    @Inject(APPLIANCES_REPOSITORY) private readonly repository: AppliancesRepository,
    @Inject(APPLIANCES_PORTS) private readonly ports: AppliancesPorts,
  ) {}

  onModuleInit(): void {
    const file = this.repository.load({ version: 1, circuits: [] });
    for (const history of file.circuits) this.live(history.device, history.circuit, history);
    this.ports.telemetry.subscribe((id, record) => this.onTelemetry(id, record));
    this.ports.mqtt.on('events', (id, payload) => this.onEvent(id, payload));
    // With the meter's own configs (every connect, Home Assistant's birth, a meter's birth): never a removed meter's.
    this.ports.homeAssistant.onAnnounced((id) => this.publishDiscovery(id));
    this.ports.devices.onRemoved((id) => this.clearDiscovery(id));
  }

  onModuleDestroy(): void {
    this.repository.flush();
  }

  // ---- live input --------------------------------------------------------------------------------

  /** One record as ingest accepted it (validated, not a duplicate): TelemetryFeed. */
  onTelemetry(deviceId: string, record: TelemetryMessage): void {
    for (const reading of record.circuits) {
      const live = this.live(deviceId, reading.circuit);
      const out = live.segmenter.push(record.ts, reading.power_w);
      for (const run of out.runs) this.onRun(live, run);
      for (const window of out.idle) this.onIdle(live, window);
      this.updateRunning(live);
      if (record.ts - live.lastTick >= TICK_MS) {
        live.lastTick = record.ts;
        this.relearnIfDue(live, record.ts);
        for (const a of live.detector?.tick(record.ts, live.segmenter.ongoing()) ?? []) this.raise(live, a, record.ts);
      }
    }
    if (this.dirty) this.persist();
  }

  onEvent(deviceId: string, payload: Buffer | string): void {
    const result = decodeMessage('events', payload);
    if (!result.ok || result.value.type !== 'step_change' || !result.value.circuit) return;
    const data = result.value.data ?? {};
    const num = (key: string) => (typeof data[key] === 'number' ? (data[key] as number) : undefined);
    if (!((num('delta_w') ?? 0) > 0)) return; // switching on: the run's start
    const live = this.live(deviceId, result.value.circuit);
    live.steps.push({ ts: result.value.ts, pf: num('pf'), thdI: num('thd_i'), deltaVar: num('delta_var') });
    if (live.steps.length > 20) live.steps.shift();
  }

  // ---- REST --------------------------------------------------------------------------------------

  list(deviceId: string, circuit: number, now = this.ports.now()) {
    const live = this.existing(deviceId, circuit);
    const h = live.history;
    const days = Array.from({ length: 7 }, (_, k) => Math.floor(now / DAY_MS) * DAY_MS - (6 - k) * DAY_MS);
    return {
      device: deviceId,
      circuit,
      historyDays: round(h.runs.length ? (now - h.runs[0].start) / DAY_MS : 0),
      baselineLearnt: h.learntAt !== undefined ? new Date(h.learntAt).toISOString() : null,
      unassignedRuns: h.runs.filter((r) => !r.appliance).length,
      appliances: h.appliances.map((a) => {
        const runs = h.runs.filter((r) => r.appliance === a.id);
        const energyWh = runs.reduce((s, r) => s + r.energyWh, 0);
        const runTimeS = runs.reduce((s, r) => s + r.durationS, 0);
        return {
          id: a.id,
          name: a.name ?? null,
          state: live.running === a.id ? 'running' : 'idle',
          signature: { powerW: round(a.signature.powerW), durationS: Math.round(a.signature.durationS), ...(a.signature.pf !== undefined ? { pf: a.signature.pf } : {}), ...(a.signature.reactiveRatio !== undefined ? { reactiveRatio: round(a.signature.reactiveRatio * 10) / 10 } : {}) },
          cyclic: a.cyclic,
          runs: runs.length,
          runTimeS: Math.round(runTimeS),
          energyWh: round(energyWh),
          energyPerRunWh: runs.length ? round(energyWh / runs.length) : null,
          lastRun: runs.length ? new Date(runs[runs.length - 1].start).toISOString() : null,
          perDay: days.map((day) => {
            const inDay = runs.filter((r) => r.start >= day && r.start < day + DAY_MS);
            return { day: new Date(day).toISOString().slice(0, 10), runs: inDay.length, runTimeS: Math.round(inDay.reduce((s, r) => s + r.durationS, 0)), energyWh: round(inDay.reduce((s, r) => s + r.energyWh, 0)) };
          }),
        };
      }),
    };
  }

  name(deviceId: string, circuit: number, applianceId: string, name: string | undefined) {
    const live = this.existing(deviceId, circuit);
    const appliance = live.history.appliances.find((a) => a.id === applianceId);
    if (!appliance) throw new NotFoundException(`circuit ${circuit} of ${deviceId} has no appliance ${JSON.stringify(applianceId)}`);
    const before = appliance.name;
    appliance.name = name;
    this.rebuildDetector(live);
    this.persist();
    this.publishDiscovery(deviceId);
    if (before && !name) for (const topic of applianceDiscoveryTopics(deviceId, { circuit, id: applianceId }, this.config.HA_DISCOVERY_PREFIX)) this.publish(topic, '', true);
    this.publishState(live, appliance);
    return this.list(deviceId, circuit).appliances.find((a) => a.id === applianceId);
  }

  /** The detector's settings of a circuit: the defaults with the user's overrides. */
  settings(deviceId: string, circuit: number) {
    const overrides = this.existing(deviceId, circuit).history.settings ?? {};
    return {
      ...DEFAULT_ANOMALY_SETTINGS,
      ...overrides,
      minChange: { ...DEFAULT_ANOMALY_SETTINGS.minChange, ...overrides.minChange },
      muted: overrides.muted ?? [],
      overrides,
    };
  }

  /** Replaces a circuit's overrides (validated by the controller's DTO) and applies them at once. */
  setSettings(deviceId: string, circuit: number, overrides: CircuitAnomalySettings) {
    const live = this.existing(deviceId, circuit);
    live.history.settings = JSON.parse(JSON.stringify(overrides)) as CircuitAnomalySettings;
    this.rebuildDetector(live);
    this.persist();
    return this.settings(deviceId, circuit);
  }

  alerts(deviceId: string, circuit?: number) {
    const all = [...this.circuits.values()].filter((l) => l.history.device === deviceId && (circuit === undefined || l.history.circuit === circuit));
    if (all.length === 0) throw new NotFoundException(`no analysis for ${deviceId}${circuit ? ` circuit ${circuit}` : ''} yet`);
    return all
      .flatMap((l) => l.history.alerts.map((a) => this.toMessage(l, a, a.id, a.raisedAt)))
      .sort((a, b) => b.ts - a.ts);
  }

  // ---- internals ---------------------------------------------------------------------------------

  private live(device: string, circuit: number, stored?: CircuitHistory): LiveCircuit {
    const key = `${device}\u0000${circuit}`;
    let live = this.circuits.get(key);
    if (!live) {
      const history = stored ?? { device, circuit, runs: [], idle: [], appliances: [], nextId: 1, alerts: [] };
      live = { history, segmenter: new RunSegmenter(), lastTick: 0, steps: [] };
      this.circuits.set(key, live);
      this.rebuildDetector(live);
    }
    return live;
  }

  private existing(device: string, circuit: number): LiveCircuit {
    const live = this.circuits.get(`${device}\u0000${circuit}`);
    if (!live) throw new NotFoundException(`no readings of ${device} circuit ${circuit} yet`);
    return live;
  }

  private onRun(live: LiveCircuit, run: Run): void {
    const step = live.steps.filter((s) => Math.abs(s.ts - run.start) <= 30_000).sort((a, b) => Math.abs(a.ts - run.start) - Math.abs(b.ts - run.start))[0];
    const stored: StoredRun = { ...run, ...(step?.pf !== undefined ? { pf: step.pf } : {}), ...(step?.thdI !== undefined ? { thdI: step.thdI } : {}), ...(step?.deltaVar !== undefined ? { deltaVar: step.deltaVar } : {}) };
    const index = matchSignature(live.history.appliances.map((a) => a.signature), stored);
    if (index >= 0) stored.appliance = live.history.appliances[index].id;
    const h = live.history;
    this.dirty = true;
    h.runs.push(stored);
    while (h.runs.length > MAX_RUNS || (h.runs.length > 0 && h.runs[0].start < run.end - KEEP_DAYS * DAY_MS)) h.runs.shift();
    const appliance = h.appliances[index];
    this.write('appliance_run', [
        {
          tags: { device: h.device, circuit: String(h.circuit), appliance: stored.appliance ?? 'unknown' },
          fields: { duration_s: run.durationS, energy_wh: run.energyWh, power_w: run.powerW, peak_w: run.peakW, ...(appliance?.name ? { name: appliance.name } : {}) },
          ts: run.start,
        },
      ]);
    this.ports.counters.inc('appliance_runs');
    for (const a of live.detector?.onRun(stored) ?? []) this.raise(live, a, run.end);
    if (appliance) this.publishState(live, appliance);
  }

  private onIdle(live: LiveCircuit, window: IdleWindow): void {
    const h = live.history;
    this.dirty = true;
    h.idle.push(window);
    while (h.idle.length > 0 && h.idle[0].start < window.end - KEEP_DAYS * DAY_MS) h.idle.shift();
    for (const a of live.detector?.onIdle(window) ?? []) this.raise(live, a, window.end);
  }

  private updateRunning(live: LiveCircuit): void {
    // Which appliance is running is settled in its first minutes (the median needs a few readings).
    const span = live.segmenter.ongoingSpan();
    if (span && span.start === live.runStart && span.elapsedS > 300) return;
    const ongoing = live.segmenter.ongoing();
    live.runStart = ongoing?.start;
    const index = ongoing ? matchSignature(live.history.appliances.map((a) => a.signature), { powerW: ongoing.powerW }) : -1;
    const running = index >= 0 ? live.history.appliances[index].id : undefined;
    if (running === live.running) return;
    const previous = live.history.appliances.find((a) => a.id === live.running);
    live.running = running;
    if (previous) this.publishState(live, previous);
    if (index >= 0) this.publishState(live, live.history.appliances[index]);
  }

  /** Candidates from the whole history (ids kept for what was seen before), baseline from runs a day old. */
  private relearnIfDue(live: LiveCircuit, now: number): void {
    const h = live.history;
    if (h.learntAt !== undefined && now - h.learntAt < RELEARN_MS) return;
    if (h.runs.length === 0 || now - h.runs[0].start < MIN_HISTORY_DAYS * DAY_MS) return;
    h.learntAt = now;
    this.dirty = true;
    const { clusters } = clusterRuns(h.runs);
    for (const cluster of clusters) {
      const same = h.appliances.find((a) => signatureDistance(a.signature, cluster.signature) < 0.5);
      if (same) {
        if (!same.name) Object.assign(same, { signature: cluster.signature, cyclic: cluster.cyclic, intervalS: cluster.intervalS });
        continue;
      }
      h.appliances.push({ id: `a${h.nextId++}`, signature: cluster.signature, cyclic: cluster.cyclic, ...(cluster.intervalS !== undefined ? { intervalS: cluster.intervalS } : {}) });
    }
    for (const run of h.runs) {
      const index = matchSignature(h.appliances.map((a) => a.signature), run);
      run.appliance = index >= 0 ? h.appliances[index].id : undefined;
    }
    this.rebuildDetector(live, now);
  }

  private rebuildDetector(live: LiveCircuit, now = this.ports.now()): void {
    const h = live.history;
    const learnable = h.runs.filter((r) => r.end < now - DAY_MS);
    if (h.learntAt === undefined || learnable.length === 0) return;
    h.baseline = learnBaseline(
      h.appliances.map((a) => ({ cluster: { id: a.id, signature: a.signature, cyclic: a.cyclic, intervalS: a.intervalS }, name: a.name, runs: learnable.filter((r) => r.appliance === a.id) })),
      learnable,
      h.idle.filter((w) => w.end < now - DAY_MS),
    );
    // The runs of the last day are not learnt from, but they did happen: an appliance seen is not missing.
    for (const a of h.baseline.appliances) {
      const last = h.runs.filter((r) => r.appliance === a.id).at(-1);
      if (last) a.lastStart = last.start;
    }
    const { muted: _muted, ...settings } = h.settings ?? {};
    live.detector = new AnomalyDetector(h.baseline, settings as Partial<typeof DEFAULT_ANOMALY_SETTINGS>);
  }

  private raise(live: LiveCircuit, anomaly: Anomaly, now: number): void {
    const h = live.history;
    if (h.settings?.muted?.includes(anomaly.kind)) return this.ports.counters.inc('anomaly_alerts_muted');
    const repeat = h.alerts.find((a) => a.kind === anomaly.kind && a.appliance === anomaly.appliance && now - a.raisedAt < REPEAT_MS);
    if (repeat) return;
    const id = `${h.device}.${h.circuit}.${anomaly.kind}.${now}`;
    h.alerts.push({ ...anomaly, id, raisedAt: now });
    this.dirty = true;
    if (h.alerts.length > MAX_ALERTS) h.alerts.shift();
    const message = this.toMessage(live, anomaly, id, now);
    const checked = validateMessage('alerts', message);
    if (!checked.ok) return this.logger.error(`alert not published: ${checked.errors.join('; ')}`);
    this.ports.counters.inc('anomaly_alerts');
    this.logger.warn(`anomaly on ${h.device} circuit ${h.circuit}: ${anomaly.kind} — ${anomaly.message}`);
    this.publish(topics.alerts(h.device), JSON.stringify(message), false);
    this.write('anomaly', [
        {
          tags: { device: h.device, circuit: String(h.circuit), kind: anomaly.kind, appliance: anomaly.appliance ?? 'circuit' },
          fields: { score: anomaly.score, message: message.message, baseline: anomaly.evidence.baseline, now: anomaly.evidence.now, limit: anomaly.evidence.limit, end_ms: anomaly.end },
          ts: anomaly.start,
        },
      ]);
  }

  private toMessage(live: LiveCircuit, anomaly: Anomaly, id: string, ts: number): AlertMessage {
    const name = live.history.appliances.find((a) => a.id === anomaly.appliance)?.name;
    return {
      v: PROTOCOL_VERSION,
      id,
      ts,
      circuit: live.history.circuit,
      kind: anomaly.kind,
      score: anomaly.score,
      start: anomaly.start,
      end: anomaly.end,
      message: (name ? anomaly.message.replace(/^appliance a\d+ \([^)]*\)/, name) : anomaly.message).slice(0, 300),
      ...(anomaly.appliance ? { appliance: anomaly.appliance } : {}),
      ...(name ? { appliance_name: name } : {}),
      evidence: anomaly.evidence,
    };
  }

  /** Runs and alerts go to the history policy (kept as long as relay history), not the raw tier. */
  private write(measurement: 'appliance_run' | 'anomaly', points: GenericPoint[]): void {
    this.ports
      .historyRp()
      .then((rp) => this.ports.store.writePoints(measurement, points, rp))
      .catch((error: Error) => this.logger.warn(`${measurement} not stored: ${error.message}`));
  }

  private publishState(live: LiveCircuit, appliance: KnownAppliance): void {
    if (!appliance.name) return;
    const runs = live.history.runs.filter((r) => r.appliance === appliance.id);
    const today = Math.floor(this.ports.now() / DAY_MS) * DAY_MS;
    const state = {
      state: live.running === appliance.id ? 'running' : 'idle',
      name: appliance.name,
      energy_wh: round(runs.reduce((s, r) => s + r.energyWh, 0)),
      runs_today: runs.filter((r) => r.start >= today).length,
      last_run_s: runs.length ? Math.round(runs[runs.length - 1].durationS) : null,
    };
    this.publish(topics.applianceState(live.history.device, live.history.circuit, appliance.id), JSON.stringify(state), true);
  }

  private named(device: string) {
    return [...this.circuits.values()]
      .filter((l) => l.history.device === device)
      .flatMap((l) => l.history.appliances.filter((a) => a.name).map((a) => ({ circuit: l.history.circuit, id: a.id, name: a.name! })));
  }

  private publishDiscovery(device: string): void {
    if (!this.config.HA_DISCOVERY || !this.ports.homeAssistant.announces(device)) return;
    for (const m of buildApplianceDiscovery(device, this.named(device), this.config.HA_DISCOVERY_PREFIX)) this.publish(m.topic, m.payload, true);
  }

  /** A removed meter's appliance sensors (Home Assistant's removal clears the anomaly event entity). */
  private clearDiscovery(device: string): void {
    if (!this.config.HA_DISCOVERY) return;
    for (const a of this.named(device)) for (const topic of applianceDiscoveryTopics(device, a, this.config.HA_DISCOVERY_PREFIX)) this.publish(topic, '', true);
  }

  private publish(topic: string, payload: string, retain: boolean): void {
    if (this.ports.mqtt.connected) this.ports.mqtt.publishQuietly(topic, payload, { qos: 1, retain });
  }

  /**
   * Hands the repository a view of every circuit's history, read when it writes the file (at most
   * every 10 s), not now: with a fleet's 100,000 circuits, building the list on every record that
   * changed something made each such record cost O(circuits).
   */
  private persist(): void {
    this.dirty = false;
    this.repository.save(this.fileView);
  }

  private readonly fileView: AppliancesFile = Object.defineProperty({ version: 1 } as AppliancesFile, 'circuits', {
    enumerable: true,
    get: () => [...this.circuits.values()].map((l) => l.history),
  });
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
