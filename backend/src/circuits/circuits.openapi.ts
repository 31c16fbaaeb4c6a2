import { circuitConfigSchema } from '@dinmeter/shared';
import { bool, fromShared, int, object, str } from '../openapi/schema';

export const CIRCUIT_CONFIG = fromShared(circuitConfigSchema);

/** GET/PUT …/config: what the backend asked for, what the meter confirmed, and what holds. */
export const CIRCUIT_CONFIG_VIEW = object({
  device: str,
  circuit: int,
  effective: CIRCUIT_CONFIG,
  desired: CIRCUIT_CONFIG,
  confirmed: CIRCUIT_CONFIG,
  inSync: bool,
  'pendingCommandId?': str,
  'lastError?': str,
  'commandId?': { ...str, description: 'PUT only: the config command sent' },
});
