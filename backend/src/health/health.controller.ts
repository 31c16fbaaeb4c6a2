import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { COUNTERS, HEALTH } from './health.openapi';
import { BrokerService } from '../broker/broker.service';
import { Counters } from '../common/counters';
import { TELEMETRY_STORE } from '../common/tokens';
import { MQTT_BUS, MqttBus } from '../mqtt/mqtt-bus';
import { Public } from '../security/roles';

/** The part of the HTTP response the health check sets (express). */
interface StatusSettable {
  status(code: number): unknown;
}

interface Pingable {
  ping(): Promise<{ ok: boolean; version?: string }>;
}

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    @Inject(MQTT_BUS) private readonly mqtt: MqttBus,
    private readonly broker: BrokerService,
    private readonly counters: Counters,
    @Inject(TELEMETRY_STORE) private readonly store: Pingable,
  ) {}

  /** 200 when the broker and InfluxDB are reachable, 503 with the same body when not (load balancers, watchdogs). */
  @Get('health')
  @Public()
  @ApiOkResponse({ schema: HEALTH, description: 'The broker and InfluxDB are reachable.' })
  @ApiServiceUnavailableResponse({ schema: HEALTH, description: 'The broker or InfluxDB is not reachable (same body).' })
  async health(@Res({ passthrough: true }) response: StatusSettable) {
    const influx = await this.store.ping().catch(() => ({ ok: false }));
    const ok = this.mqtt.connected && influx.ok;
    response.status(ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return {
      status: ok ? 'ok' : 'degraded',
      mqtt: { connected: this.mqtt.connected, broker: this.broker.enabled ? 'embedded' : 'external', url: this.broker.url },
      influx,
    };
  }

  @Get('metrics')
  @ApiOkResponse({ schema: COUNTERS, description: 'The counters as JSON; Prometheus scrapes GET /metrics (docs/integrations.md).' })
  metrics() {
    return { ...this.counters.snapshot(), broker_denied_publishes: this.broker.deniedPublishes };
  }
}
