import type { Counters } from '../common/counters';
import type { DevicesService } from '../devices/devices.service';
import type { HomeAssistantService } from '../homeassistant/homeassistant.service';
import type { TelemetryFeed } from '../ingest/telemetry-feed';
import type { MqttBus } from '../mqtt/mqtt-bus';
import type { TelemetryStore } from '../storage/storage.types';

/**
 * What the appliances feature uses of the application: the accepted telemetry, MQTT, InfluxDB,
 * counters, the clock, the registry's removals, and which meters Home Assistant discovery announces.
 */
export interface AppliancesPorts {
  readonly telemetry: Pick<TelemetryFeed, 'subscribe'>;
  readonly mqtt: Pick<MqttBus, 'on' | 'publishQuietly' | 'connected'>;
  readonly devices: Pick<DevicesService, 'onRemoved'>;
  /** The appliance sensors and the anomaly event entity join the meter's device when it is announced. */
  readonly homeAssistant: Pick<HomeAssistantService, 'announces' | 'onAnnounced'>;
  readonly store: Pick<TelemetryStore, 'writePoints'>;
  readonly counters: Pick<Counters, 'inc'>;
  now(): number;
  /** The retention policy of long-lived history (runs and alerts live as long as relay history); undefined: the default one. */
  historyRp(): Promise<string | undefined>;
}
export const APPLIANCES_PORTS = Symbol('APPLIANCES_PORTS');
