import { ValidationPipe } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppConfig, corsOrigins } from './config/app-config';
import { servePrometheus } from './metrics/metrics.route';
import { API_PREFIX, serveOpenApi } from './openapi/openapi.route';
import { PRICE_TEXT_MEDIA_TYPES } from './prices/prices.dto';
import { serveWebApp } from './webapp/webapp.route';

/**
 * Everything about the HTTP side that is not a controller: body parsers, the /api prefix, validation,
 * /metrics, the OpenAPI document. One function, so main.ts and the in-process REST fuzz (hil-tests/fuzz) serve the same API.
 */
export function configureHttp(app: NestExpressApplication, config: AppConfig): void {
  // Price documents may be posted as text (text/csv, XML) and may be large: both parsers take 6 MB.
  app.useBodyParser('json', { limit: '6mb' });
  app.useBodyParser('text', { type: Object.keys(PRICE_TEXT_MEDIA_TYPES), limit: '6mb' });
  app.setGlobalPrefix(API_PREFIX);
  // CORS only for the origins configured (docs/security.md); bearer tokens, so no cookies to share.
  const origins = corsOrigins(config);
  if (origins.length > 0) app.enableCors({ origin: origins, allowedHeaders: ['authorization', 'content-type'], maxAge: 600 });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  servePrometheus(app, config.METRICS_TOKEN);
  serveOpenApi(app);
  serveWebApp(app);
}
