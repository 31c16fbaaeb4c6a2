import { isoTime, object, oneOf, str } from '../../openapi/schema';

/** The answer of POST /api/devices and …/credentials/rotate: shown once, stored nowhere else. */
export const ISSUED_CREDENTIAL = object({
  id: str,
  mqtt_url: { ...str, description: 'the broker URL the meter should use' },
  username: str,
  password: { ...str, description: 'shown in this answer only' },
  command_key: { ...str, description: "the key that signs the meter's commands" },
});

export const IDENTITY_SUMMARY = object({ username: str, kind: oneOf('meter', 'backend', 'homeassistant'), createdAt: isoTime, 'rotatedAt?': isoTime, 'revokedAt?': isoTime });
