import { INestApplication } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RestAuthService } from '../security/rest-auth/rest-auth.service';
import { PrometheusMetrics } from './prometheus-metrics.service';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * GET /metrics, where Prometheus looks by default: outside the /api prefix (whose JSON GET /api/metrics
 * stays) and so outside the route guard. A scrape needs `Authorization: Bearer <token>` (Prometheus:
 * `authorization: {credentials_file: …}`) with a REST token of any role or, when set, METRICS_TOKEN;
 * failures count toward the same per-client limit as the REST API's (docs/security.md).
 */
export function servePrometheus(app: INestApplication, token: string | undefined): void {
  const metrics = app.get(PrometheusMetrics);
  const auth = app.get(RestAuthService);
  const expected = token === undefined ? undefined : digest(token);
  const isMetricsToken = (bearer: string) => expected !== undefined && timingSafeEqual(digest(bearer), expected);
  const send = (response: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}) => {
    response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', ...headers }).end(body);
  };
  app.getHttpAdapter().get('/metrics', (request: IncomingMessage, response: ServerResponse) => {
    const decision = auth.decide(request.headers.authorization, request.socket.remoteAddress, 'read', isMetricsToken);
    if (decision.outcome === 'limited') {
      send(response, 429, 'text/plain', `${decision.message}\n`, { 'retry-after': String(decision.retryAfterS) });
      return;
    }
    if (decision.outcome !== 'allowed') {
      send(response, 401, 'text/plain', 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN or a REST token>\n', { 'www-authenticate': decision.challenge });
      return;
    }
    metrics.scrape().then(
      (text) => send(response, 200, metrics.contentType, text),
      (error: Error) => send(response, 500, 'text/plain', `${error.message}\n`),
    );
  });
}
