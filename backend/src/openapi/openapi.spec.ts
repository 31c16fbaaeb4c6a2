import { Controller, Delete, Get, INestApplication, Post } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ApiOkResponse, OpenAPIObject } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Public, RequireRole } from '../security/roles';
import { API_DOCUMENT_FILES, renderApiDocuments } from './api-documents';
import { buildOpenApiDocument } from './openapi.document';

const ROOT = join(__dirname, '..', '..', '..');

type Operation = { operationId: string; responses: Record<string, { content?: unknown; description?: string }>; security?: unknown[]; 'x-required-role'?: string };

function operations(document: OpenAPIObject): [string, Operation][] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item as Record<string, Operation>).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op] as [string, Operation]),
  );
}

describe('API documents', () => {
  let rendered: Awaited<ReturnType<typeof renderApiDocuments>>;
  beforeAll(async () => {
    rendered = await renderApiDocuments();
  });

  it.each(Object.entries(API_DOCUMENT_FILES))('should match the committed %s file (else run npm run openapi)', (key, file) => {
    expect(readFileSync(join(ROOT, file), 'utf8')).toBe(rendered[key as keyof typeof API_DOCUMENT_FILES]);
  });

  describe('openapi', () => {
    it('should document a success response for every route: its schema, or a described 204', () => {
      const document = JSON.parse(rendered.openapi) as OpenAPIObject;
      const undocumented = operations(document)
        .filter(([, op]) => !Object.entries(op.responses).some(([status, r]) => (/^2\d\d$/.test(status) && r.content) || (status === '204' && r.description)))
        .map(([route]) => route);
      expect(operations(document).length).toBeGreaterThan(25);
      expect(undocumented).toEqual([]);
    });

    it('should give every route its role and, unless public, the bearer scheme and a 401', () => {
      const document = JSON.parse(rendered.openapi) as OpenAPIObject;
      expect(document.components?.securitySchemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      for (const [route, op] of operations(document)) {
        expect([route, op['x-required-role']]).toEqual([route, expect.stringMatching(/^(public|read|control|admin)$/)]);
        if (op['x-required-role'] === 'public') continue;
        expect([route, op.security]).toEqual([route, [{ bearer: [] }]]);
        expect([route, Object.keys(op.responses)]).toEqual([route, expect.arrayContaining(['401'])]);
      }
    });
  });
});

describe(buildOpenApiDocument.name, () => {
  @Controller('things')
  class ThingsController {
    @Get() @ApiOkResponse({ schema: { type: 'array' } }) list() {
      return [];
    }
    @Post() @RequireRole('control') @ApiOkResponse({ schema: { type: 'object' } }) make() {
      return {};
    }
    @Delete() @ApiOkResponse({ schema: { type: 'object' } }) remove() {
      return {};
    }
    @Get('ping') @Public() @ApiOkResponse({ schema: { type: 'string' } }) ping() {
      return 'pong';
    }
  }

  let app: INestApplication;
  beforeAll(async () => {
    const module = await Test.createTestingModule({ controllers: [ThingsController] }).compile();
    app = module.createNestApplication({ logger: false });
  });
  afterAll(() => app.close());

  it('should read the role each route needs from its RequireRole/Public metadata, with the defaults of roles.ts', () => {
    const document = buildOpenApiDocument(app);
    const byRoute = Object.fromEntries(operations(document).map(([route, op]) => [route, { role: op['x-required-role'], errors: Object.keys(op.responses).filter((s) => s >= '400'), security: op.security }]));
    expect(byRoute).toEqual({
      'GET /things': { role: 'read', errors: ['401', '429'], security: [{ bearer: [] }] },
      'POST /things': { role: 'control', errors: ['401', '403', '429'], security: [{ bearer: [] }] },
      'DELETE /things': { role: 'admin', errors: ['401', '403', '429'], security: [{ bearer: [] }] },
      'GET /things/ping': { role: 'public', errors: [], security: [] },
    });
  });
});
