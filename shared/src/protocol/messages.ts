/**
 * Payload types and their runtime schemas, one module per topic kind (see docs/protocol.md), all
 * re-exported here. Every payload carries `v`, the protocol version. Timestamps are milliseconds
 * since the Unix epoch (UTC).
 */
export { circuitNumber, PROTOCOL_VERSION, timestampMs } from './messages/fields';
export * from './messages/telemetry';
export * from './messages/status';
export { OTA_STATES, otaStatusSchema } from './messages/ota';
export type { FirmwareOrder, OtaState, OtaStatus } from './messages/ota';
export * from './messages/events';
export * from './messages/alerts';
export * from './messages/circuit-config';
export * from './messages/calibration';
export * from './messages/commands';
export * from './messages/relays';
export * from './messages/plan';
export * from './messages/heartbeat';
