/** The InfluxDB write sink of the in-process fuzz: counts the points written per measurement, answers queries empty. */
import { CircuitPoint, GenericPoint, InfluxStatementResult, SeriesPoint, TelemetryStore } from '../../backend/src/storage/storage.types';

export class MemoryTelemetryStore implements TelemetryStore {
  circuitPoints = 0;
  readonly pointsByMeasurement = new Map<string, number>();

  async writeCircuitPoints(points: CircuitPoint[]): Promise<void> {
    this.circuitPoints += points.length;
  }
  async writePoints(measurement: string, points: GenericPoint[]): Promise<void> {
    this.pointsByMeasurement.set(measurement, (this.pointsByMeasurement.get(measurement) ?? 0) + points.length);
  }
  async querySeries(): Promise<SeriesPoint[]> {
    return [];
  }
  async query(): Promise<InfluxStatementResult[]> {
    return [];
  }
  async ping(): Promise<{ ok: boolean; version?: string }> {
    return { ok: true, version: 'memory' };
  }
  async major(): Promise<'1' | '2'> {
    return '1';
  }
  async ensureDatabase(): Promise<void> {}
  async close(): Promise<void> {}
}
