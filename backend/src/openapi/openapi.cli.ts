/**
 * Writes docs/openapi.json (REST) and docs/asyncapi.json (MQTT) from the code: `npm run openapi`.
 * --check writes nothing and exits 1 when a committed file is out of date.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../../shared/node/cli';
import { API_DOCUMENT_FILES, renderApiDocuments } from './api-documents';

const SPEC = {
  name: 'openapi',
  usage: `usage: openapi [--check]
  (npm run openapi [-- --check])
  writes ${Object.values(API_DOCUMENT_FILES).join(' and ')} from the controllers, DTOs and shared protocol schemas
  --check  write nothing; exit 1 naming each file that is out of date`,
  options: { check: { type: 'boolean' } },
} as const;

const ROOT = join(__dirname, '..', '..', '..');

void runCli(SPEC, async ({ values }) => {
  const documents = await renderApiDocuments();
  const stale: string[] = [];
  for (const [key, file] of Object.entries(API_DOCUMENT_FILES) as [keyof typeof API_DOCUMENT_FILES, string][]) {
    const path = join(ROOT, file);
    if (existsSync(path) && readFileSync(path, 'utf8') === documents[key]) continue;
    if (values.check) stale.push(file);
    else {
      writeFileSync(path, documents[key]);
      process.stdout.write(`wrote ${file}\n`);
    }
  }
  if (stale.length === 0) return 0;
  process.stderr.write(`openapi: out of date: ${stale.join(', ')} (run npm run openapi)\n`);
  return 1;
});
