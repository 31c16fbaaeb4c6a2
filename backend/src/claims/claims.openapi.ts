import { isoTime, object, oneOf, str } from '../openapi/schema';

const claimFields = {
  id: str,
  'label?': str,
  'deviceId?': str,
  createdAt: isoTime,
  expiresAt: isoTime,
  'revokedAt?': isoTime,
  'redeemedAt?': isoTime,
  'redeemedBy?': object({ deviceId: str, hardware: { type: 'object', additionalProperties: str }, 'address?': str }),
  state: oneOf('open', 'redeemed', 'expired', 'revoked'),
};

export const CLAIM_SUMMARY = object(claimFields);

/** POST /api/claims: the code is in this answer only (the backend keeps its hash). */
export const CREATED_CLAIM = object({
  ...claimFields,
  code: { ...str, description: 'ABCD-EFGH: shown in this answer only' },
  qrText: { ...str, description: 'what the QR code encodes: dinmeter:claim?code=…&backend=…' },
  qrSvg: { ...str, description: 'the QR code as an SVG document' },
});
