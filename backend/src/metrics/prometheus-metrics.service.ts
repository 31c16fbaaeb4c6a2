import { Inject, Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { BrokerService } from '../broker/broker.service';
import { CommandsService } from '../commands/commands.service';
import { Counters } from '../common/counters';
import { CLOCK, NowFn, POINT_WRITER } from '../common/tokens';
import { DevicesService } from '../devices/devices.service';

const PREFIX = 'dinmeter_';

/**
 * The Prometheus view of the backend (GET /metrics, text exposition format 0.0.4): every counter of
 * GET /api/metrics as `dinmeter_<name>_total`, the ingest latency from a record's arrival to the ack
 * that covers it, queue depths, each meter's last-seen age, and Node's process metrics. Everything
 * but the latency is read at scrape time from the services that own it.
 */
@Injectable()
export class PrometheusMetrics {
  readonly registry = new Registry();
  /** Seconds from a telemetry record's arrival to the publish of the ack that covers it. */
  readonly ingestLatency = new Histogram({
    name: `${PREFIX}ingest_latency_seconds`,
    help: 'Seconds from a telemetry record arriving to the telemetry/ack that covers it (stored in InfluxDB first).',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly counterNames = new Set<string>();

  constructor(
    private readonly counters: Counters,
    private readonly devices: DevicesService,
    private readonly commands: CommandsService,
    private readonly broker: BrokerService,
    @Inject(POINT_WRITER) private readonly writer: { pendingPoints: number },
    @Inject(CLOCK) private readonly now: NowFn,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
    this.gauge('ingest_pending_points', 'Points waiting for InfluxDB; at INGEST_MAX_PENDING_POINTS ingest stops acknowledging.', () => this.writer.pendingPoints);
    this.gauge('commands_pending', 'Relay and configuration commands sent and not yet acknowledged or expired.', () => this.commands.pendingCount());
    this.gauge('devices_online', 'Meters whose status is online.', () => this.devices.list().filter((d) => d.online).length);
    const lastSeen: Gauge = new Gauge({
      name: `${PREFIX}device_last_seen_age_seconds`,
      help: 'Seconds since each meter was last heard from (status or telemetry).',
      labelNames: ['device'],
      registers: [this.registry],
      collect: () => {
        lastSeen.reset();
        const now = this.now();
        for (const device of this.devices.list()) {
          if (device.lastSeen !== undefined) lastSeen.set({ device: device.id }, Math.max(0, (now - device.lastSeen) / 1000));
        }
      },
    });
  }

  /** The exposition text; counters that appeared since the last scrape are registered first. */
  async scrape(): Promise<string> {
    const values = { ...this.counters.snapshot(), broker_denied_publishes: this.broker.deniedPublishes };
    for (const name of Object.keys(values)) this.registerCounter(name);
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private gauge(name: string, help: string, read: () => number): void {
    const gauge: Gauge = new Gauge({ name: `${PREFIX}${name}`, help, registers: [this.registry], collect: () => gauge.set(read()) });
  }

  /** A counter of Counters (or the broker's denied publishes), read at scrape time. */
  private registerCounter(name: string): void {
    if (this.counterNames.has(name)) return;
    this.counterNames.add(name);
    const read = () => (name === 'broker_denied_publishes' ? this.broker.deniedPublishes : this.counters.get(name));
    const counter: Counter = new Counter({
      // Counter names are code-chosen, some with a suffix from a validated payload: keep them legal anyway.
      name: `${PREFIX}${name.replace(/[^a-zA-Z0-9_]/g, '_')}_total`,
      help: `Counter ${name} of GET /api/metrics.`,
      registers: [this.registry],
      collect: () => {
        counter.reset();
        counter.inc(read());
      },
    });
  }
}
