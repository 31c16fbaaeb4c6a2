import { Inject, Injectable } from '@nestjs/common';
import { Role, roleCovers } from '../roles';
import { TokenRecord, TokenStore } from '../tokens/token-store';
import { AuthFailureLimiter } from './auth-failure-limiter';

/** What a request's credentials allow: the decision, and what the HTTP answer carries. */
export type AuthDecision =
  | { outcome: 'allowed'; token?: TokenRecord }
  | { outcome: 'unauthenticated'; challenge: string; message: string }
  | { outcome: 'forbidden'; challenge: string; message: string }
  | { outcome: 'limited'; retryAfterS: number; message: string };

/**
 * The one place a REST credential is judged (docs/security.md, "REST tokens"): the route guard and
 * GET /metrics both ask it. Failures count per client (AuthFailureLimiter); a valid token is never
 * limited, so an attacker sharing an address with the user cannot lock the user out.
 */
@Injectable()
export class RestAuthService {
  constructor(
    @Inject(TokenStore) private readonly tokens: TokenStore,
    @Inject(AuthFailureLimiter) private readonly limiter: AuthFailureLimiter,
  ) {}

  /**
   * `authorization` is the header as received; `extra` may accept a credential that is not a REST
   * token (the METRICS_TOKEN of /metrics).
   */
  decide(authorization: string | undefined, clientAddress: string | undefined, needed: Role, extra?: (bearer: string) => boolean): AuthDecision {
    const bearer = bearerToken(authorization);
    if (bearer !== undefined) {
      if (extra?.(bearer)) return { outcome: 'allowed' };
      const token = this.tokens.verify(bearer);
      if (token) {
        if (roleCovers(token.role, needed)) return { outcome: 'allowed', token };
        return {
          outcome: 'forbidden',
          challenge: `Bearer error="insufficient_scope", scope="${needed}"`,
          message: `this needs a ${needed} token; token ${token.id} is ${token.role}`,
        };
      }
    }
    const blockedMs = this.limiter.blockedForMs(clientAddress);
    if (blockedMs > 0) {
      return { outcome: 'limited', retryAfterS: Math.ceil(blockedMs / 1000), message: 'too many failed authentications from this address: try again later' };
    }
    this.limiter.recordFailure(clientAddress);
    return bearer === undefined
      ? { outcome: 'unauthenticated', challenge: 'Bearer realm="dinmeter"', message: 'this needs Authorization: Bearer <token> (dinmeter token create, docs/security.md)' }
      : { outcome: 'unauthenticated', challenge: 'Bearer realm="dinmeter", error="invalid_token"', message: 'the token is not valid (unknown or revoked)' };
  }
}

/** The token of `Authorization: Bearer <token>` (scheme case-insensitive, RFC 7235), or undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
  return match?.[1];
}
