import { array, bool, epochMs, int, num, object, oneOf, str } from '../openapi/schema';

export const CT_MODEL_LIST = array(
  object({
    id: str,
    ratedCurrentA: num,
    output: object({ kind: oneOf('current', 'voltage'), 'ratedOutputA?': num, 'ratedOutputV?': num }),
    mvPerA: { ...num, description: "signal at the meter's current input per line ampere" },
    range: object({ minA: num, ratedA: num }),
    calibration: object({ plconst: int, igainL: int, pga: int, ctRatio: num, meterConstant: num }),
  }),
);

export const CIRCUIT_SETUP_VIEW = object({
  circuit: int,
  'label?': str,
  ctModel: str,
  ctReversed: bool,
  relayFitted: bool,
  'pendingCommandId?': str,
  'lastError?': str,
  'reading?': { type: 'object', description: 'latest reading (GET /api/devices/:id/circuits)' },
  'readingTs?': epochMs,
  'relay?': { type: 'object' },
  'health?': { type: 'object' },
  flags: array(oneOf('ct-reversed?', 'below-ct-range')),
  'configCommandId?': str,
  'calibrationCommandId?': str,
});

export const DEVICE_SETUP_VIEW = object({ id: str, online: bool, 'lastTelemetryTs?': epochMs, circuits: array(CIRCUIT_SETUP_VIEW) });

export const CT_FLIP = object({ commandId: str, ctReversed: { ...bool, description: 'what the circuit will have once the meter acks' } });
