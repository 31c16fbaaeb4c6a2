import { NestFactory } from '@nestjs/core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAsyncApiDocument } from '../../../shared/node/asyncapi';
import { AppModule } from '../app.module';
import { loadConfig } from '../config/app-config';
import { API_PREFIX } from './openapi.route';
import { buildOpenApiDocument } from './openapi.document';

/** The committed API descriptions, relative to the repository root (npm run openapi writes them). */
export const API_DOCUMENT_FILES = { openapi: 'docs/openapi.json', asyncapi: 'docs/asyncapi.json' } as const;

/**
 * Both API documents as their committed text. The app is created with a throw-away DATA_DIR and
 * never started: nothing connects, listens or writes outside that directory.
 */
export async function renderApiDocuments(): Promise<Record<keyof typeof API_DOCUMENT_FILES, string>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dinmeter-openapi-'));
  const app = await NestFactory.create(AppModule.forRoot(loadConfig({ DATA_DIR: dataDir })), { logger: false });
  try {
    app.setGlobalPrefix(API_PREFIX);
    return { openapi: render(buildOpenApiDocument(app)), asyncapi: render(buildAsyncApiDocument()) };
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const render = (document: unknown) => `${JSON.stringify(document, null, 2)}\n`;
