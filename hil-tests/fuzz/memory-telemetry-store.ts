/** The InfluxDB write sink of the in-process fuzz: counts every point written, answers queries empty. */
import { CircuitPoint, GenericPoint, InfluxStatementResult, SeriesPoint, TelemetryStore } from '../../backend/src/storage/storage.types';

export class MemoryTelemetryStore implements TelemetryStore {
  circuitPoints = 0;
  genericPoints = 0;

  async writeCircuitPoints(points: CircuitPoint[]): Promise<void> {
    this.circuitPoints += points.length;
  }
  async writePoints(_measurement: string, points: GenericPoint[]): Promise<void> {
    this.genericPoints += points.length;
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
