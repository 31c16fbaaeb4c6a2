import { Controller, Get, Inject } from '@nestjs/common';
import { BrokerService } from '../broker/broker.service';
import { Counters } from '../common/counters';
import { TELEMETRY_STORE } from '../common/tokens';
import { MqttService } from '../mqtt/mqtt.service';

interface Pingable {
  ping(): Promise<{ ok: boolean; version?: string }>;
}

@Controller()
export class HealthController {
  constructor(
    private readonly mqtt: MqttService,
    private readonly broker: BrokerService,
    private readonly counters: Counters,
    @Inject(TELEMETRY_STORE) private readonly store: Pingable,
  ) {}

  @Get('health')
  async health() {
    const influx = await this.store.ping().catch(() => ({ ok: false }));
    return {
      status: this.mqtt.connected && influx.ok ? 'ok' : 'degraded',
      mqtt: { connected: this.mqtt.connected, broker: this.broker.enabled ? 'embedded' : 'external', url: this.broker.url },
      influx,
    };
  }

  @Get('metrics')
  metrics() {
    return { ...this.counters.snapshot(), broker_denied_publishes: this.broker.deniedPublishes };
  }
}
