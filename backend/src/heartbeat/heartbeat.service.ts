import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { encodeMessage, PROTOCOL_VERSION, topics } from '@dinmeter/shared';
import { CircuitConfigService } from '../circuits/circuit-config.service';
import { AppConfig } from '../config/app-config';
import { CLOCK, NowFn } from '../common/tokens';
import { DevicesService } from '../devices/devices.service';
import { MQTT_BUS, MqttBus } from '../mqtt/mqtt-bus';
import { heartbeatIntervalMs } from './heartbeat-cadence';

/**
 * Backend liveness for the meters: losing it for a circuit's `failsafe.afterSeconds` drives the
 * failsafe. One broadcast topic for every meter, at HEARTBEAT_INTERVAL_S or faster when a shorter
 * failsafe exists (heartbeat-cadence.ts): every meter then hears often enough for its own. The
 * shortest failsafe is the shorter of what this backend configured (also before the meter confirmed
 * it) and what the meters report in their status (set by another instance, or before a lost DATA_DIR).
 */
@Injectable()
export class HeartbeatService implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private intervalMs?: number;

  constructor(
    private readonly config: AppConfig,
    @Inject(MQTT_BUS) private readonly mqtt: MqttBus,
    private readonly circuits: CircuitConfigService,
    private readonly devices: DevicesService,
    @Inject(CLOCK) private readonly now: NowFn,
  ) {}

  /** The current period, as announced in `interval_s`. */
  get currentIntervalMs(): number | undefined {
    return this.intervalMs;
  }

  onApplicationBootstrap(): void {
    this.mqtt.onConnect(() => this.beat());
    this.circuits.onFailsafeChange(() => this.schedule());
    this.devices.onFailsafeChange(() => this.schedule());
    this.schedule();
    this.beat();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** (Re)arms the timer for the cadence the configured failsafes need. */
  private schedule(): void {
    const known = [this.circuits.shortestFailsafeSeconds(), this.devices.shortestFailsafeSeconds()].filter((s) => s !== undefined);
    const intervalMs = heartbeatIntervalMs(this.config.HEARTBEAT_INTERVAL_S, known.length > 0 ? Math.min(...known) : undefined);
    if (intervalMs === this.intervalMs) return;
    const faster = this.intervalMs !== undefined && intervalMs < this.intervalMs;
    this.intervalMs = intervalMs;
    if (this.timer) clearInterval(this.timer);
    this.timer = setInterval(() => this.beat(), intervalMs);
    this.timer.unref();
    // The meters must not wait out the old, longer period before the new failsafe can run.
    if (faster) this.beat();
  }

  private beat(): void {
    if (!this.mqtt.connected || this.intervalMs === undefined) return;
    const message = encodeMessage('heartbeat', {
      v: PROTOCOL_VERSION,
      ts: this.now(),
      interval_s: this.intervalMs / 1000,
      instance: this.mqtt.clientId.slice(0, 64),
    });
    this.mqtt.publishQuietly(topics.heartbeat(), message, { qos: 0, retain: false });
  }
}
