import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { encodeMessage, PROTOCOL_VERSION, topics } from '@dinmeter/shared';
import { AppConfig } from '../config/app-config';
import { CLOCK, NowFn } from '../common/tokens';
import { MqttService } from '../mqtt/mqtt.service';

/** Backend liveness for the meters: losing it for a circuit's `failsafe.afterSeconds` drives the failsafe. */
@Injectable()
export class HeartbeatService implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly mqtt: MqttService,
    @Inject(CLOCK) private readonly now: NowFn,
  ) {}

  onApplicationBootstrap(): void {
    this.mqtt.onConnect(() => this.beat());
    this.timer = setInterval(() => this.beat(), this.config.HEARTBEAT_INTERVAL_S * 1000);
    this.timer.unref();
    if (this.mqtt.connected) this.beat();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private beat(): void {
    if (!this.mqtt.connected) return;
    const message = encodeMessage('heartbeat', {
      v: PROTOCOL_VERSION,
      ts: this.now(),
      interval_s: this.config.HEARTBEAT_INTERVAL_S,
      instance: this.mqtt.clientId.slice(0, 64),
    });
    this.mqtt.publishQuietly(topics.heartbeat(), message, { qos: 0, retain: false });
  }
}
