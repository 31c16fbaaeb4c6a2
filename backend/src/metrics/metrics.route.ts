import { INestApplication } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PrometheusMetrics } from './prometheus-metrics.service';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * GET /metrics, where Prometheus looks by default: outside the /api prefix (whose JSON GET /api/metrics
 * stays) and outside the REST tokens. With METRICS_TOKEN set, a scrape needs `Authorization: Bearer
 * <METRICS_TOKEN>` (Prometheus: `authorization: {credentials_file: …}`); without it the route is open,
 * for a scraper on a trusted network.
 */
export function servePrometheus(app: INestApplication, token: string | undefined): void {
  const metrics = app.get(PrometheusMetrics);
  const expected = token === undefined ? undefined : digest(`Bearer ${token}`);
  const send = (response: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}) => {
    response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', ...headers }).end(body);
  };
  app.getHttpAdapter().get('/metrics', (request: IncomingMessage, response: ServerResponse) => {
    if (expected && !timingSafeEqual(digest(request.headers.authorization ?? ''), expected)) {
      send(response, 401, 'text/plain', 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>\n', { 'www-authenticate': 'Bearer' });
      return;
    }
    metrics.scrape().then(
      (text) => send(response, 200, metrics.contentType, text),
      (error: Error) => send(response, 500, 'text/plain', `${error.message}\n`),
    );
  });
}
