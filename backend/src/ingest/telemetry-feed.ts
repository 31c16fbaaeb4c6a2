import { Injectable, Logger } from '@nestjs/common';
import type { TelemetryMessage } from '@dinmeter/shared';

/** Called with each new record, in the order the meter sent them; must not throw or hold on to the caller. */
export type TelemetryListener = (deviceId: string, record: TelemetryMessage) => void;

/**
 * Telemetry records as ingest accepted them: decoded and validated once, not duplicates of a stored
 * record (a replay that arrives while the first copy is still being written can pass twice: listeners
 * ignore a record no newer than the last they took). Features that follow the live readings (appliance
 * recognition) listen here instead of subscribing to the MQTT topic and parsing every payload again.
 * With MQTT_SHARE_GROUP an instance sees the records the broker handed to it, as the topic did.
 */
@Injectable()
export class TelemetryFeed {
  private readonly logger = new Logger(TelemetryFeed.name);
  private readonly listeners: TelemetryListener[] = [];

  subscribe(listener: TelemetryListener): () => void {
    this.listeners.push(listener);
    return () => {
      const at = this.listeners.indexOf(listener);
      if (at >= 0) this.listeners.splice(at, 1);
    };
  }

  /** One listener that throws is logged; the others and ingest itself go on. */
  publish(deviceId: string, record: TelemetryMessage): void {
    for (const listener of this.listeners) {
      try {
        listener(deviceId, record);
      } catch (error) {
        this.logger.error(`telemetry listener failed on ${deviceId} seq ${record.seq}: ${(error as Error).stack ?? error}`);
      }
    }
  }
}
