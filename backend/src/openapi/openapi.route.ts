import { INestApplication } from '@nestjs/common';
import { SwaggerModule } from '@nestjs/swagger';
import { buildOpenApiDocument } from './openapi.document';

/** Nest's global prefix of every REST route (main.ts). */
export const API_PREFIX = 'api';
export const OPENAPI_UI_PATH = 'api/docs';
export const OPENAPI_JSON_PATH = 'api-json';

/**
 * Serves the OpenAPI document on /api-json and its browsable UI on /api/docs. Both are outside
 * Nest's routing, so no guard runs: they are readable without a token (they describe the API and
 * hold no data); every call made from the UI still needs one ("Authorize").
 */
export function serveOpenApi(app: INestApplication): void {
  SwaggerModule.setup(OPENAPI_UI_PATH, app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: OPENAPI_JSON_PATH,
    customSiteTitle: 'dinmeter REST API',
    swaggerOptions: { persistAuthorization: true },
  });
}
