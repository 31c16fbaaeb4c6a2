import { INestApplication } from '@nestjs/common';
import { LeaderLeaseService } from '../leader/leader-lease.service';
import { BrokerService } from '../broker/broker.service';
import { HomeAssistantService } from '../homeassistant/homeassistant.service';
import { IngestService } from '../ingest/ingest.service';
import { MqttService } from '../mqtt/mqtt.service';
import { ShutdownStep } from './graceful-shutdown';

/** The backend's shutdown, in order (graceful-shutdown.ts); the budgets add up to SHUTDOWN_DEADLINE_MS less 100 ms. */
export function backendShutdownSteps(app: INestApplication): ShutdownStep[] {
  const ingest = app.get(IngestService);
  return [
    { name: 'telemetry under way stored in InfluxDB and acked', budgetMs: 2500, run: () => ingest.drain() },
    {
      name: 'MQTT clients disconnected',
      budgetMs: 700,
      run: () =>
        Promise.all([
          app.get(LeaderLeaseService).close(),
          app.get(HomeAssistantService).onModuleDestroy(),
          app.get(MqttService).close(),
        ]),
    },
    { name: 'broker closed', budgetMs: 400, run: () => app.get(BrokerService).close() },
    { name: 'HTTP server, timers, files and InfluxDB writer closed', budgetMs: 800, run: () => app.close() },
  ];
}
