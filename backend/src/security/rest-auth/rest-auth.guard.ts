import { CanActivate, ExecutionContext, ForbiddenException, HttpException, HttpStatus, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SSE_QUERY_TOKEN_METADATA, SSE_TOKEN_PARAM } from '../../common/sse';
import { PUBLIC_METADATA, Role, ROLE_METADATA } from '../roles';
import { AuthDecision, RestAuthService } from './rest-auth.service';

/** The role a route needs: its RequireRole, else read for GET/HEAD and admin for anything else (roles.ts). */
export function neededRole(declared: Role | undefined, method: string): Role {
  return declared ?? (method === 'GET' || method === 'HEAD' ? 'read' : 'admin');
}

/**
 * The global guard (APP_GUARD) of every REST route: a bearer token whose role covers the route's,
 * unless the route is Public(). 401 with WWW-Authenticate without or with a bad token, 403 when the
 * role is too low, 429 with Retry-After once a client failed too often.
 */
@Injectable()
export class RestAuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(RestAuthService) private readonly auth: RestAuthService,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_METADATA, targets)) return true;
    const request = context.switchToHttp().getRequest<IncomingMessage>();
    const needed = neededRole(this.reflector.getAllAndOverride<Role>(ROLE_METADATA, targets), request.method ?? 'GET');
    const decision = this.auth.decide(this.authorization(request, targets), request.socket.remoteAddress, needed);
    if (decision.outcome === 'allowed') return true;
    throw withHeaders(context.switchToHttp().getResponse<ServerResponse>(), decision);
  }

  /** The Authorization header; on an SseEndpoint without one, the `access_token` query parameter (EventSource sends no headers). */
  private authorization(request: IncomingMessage, targets: Parameters<Reflector['getAllAndOverride']>[1]): string | undefined {
    const header = request.headers.authorization;
    if (header !== undefined || !this.reflector.getAllAndOverride<boolean>(SSE_QUERY_TOKEN_METADATA, targets)) return header;
    const token = new URL(request.url ?? '/', 'http://localhost').searchParams.get(SSE_TOKEN_PARAM);
    return token ? `Bearer ${token}` : undefined;
  }
}

/** Sets the answer's headers (Nest's exception filter keeps them) and returns the exception to throw. */
function withHeaders(response: ServerResponse, decision: Exclude<AuthDecision, { outcome: 'allowed' }>): HttpException {
  switch (decision.outcome) {
    case 'unauthenticated':
      response.setHeader('WWW-Authenticate', decision.challenge);
      return new UnauthorizedException(decision.message);
    case 'forbidden':
      response.setHeader('WWW-Authenticate', decision.challenge);
      return new ForbiddenException(decision.message);
    case 'limited':
      response.setHeader('Retry-After', String(decision.retryAfterS));
      return new HttpException({ statusCode: HttpStatus.TOO_MANY_REQUESTS, error: 'Too Many Requests', message: decision.message }, HttpStatus.TOO_MANY_REQUESTS);
  }
}
