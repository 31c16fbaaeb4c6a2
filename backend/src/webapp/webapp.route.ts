import type { NestExpressApplication } from '@nestjs/platform-express';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';

/**
 * The commissioning web app's static files: backend/web, beside both backend/src and backend/dist, so
 * the same path works from source and from the production build (docs/commissioning.md).
 */
export const WEB_DIR = join(__dirname, '..', '..', 'web');

/**
 * Serves the web app at `/`, outside the /api prefix and its route guard: the files hold no data,
 * every API call they make carries the token the user logged in with. Scripts and styles only from
 * this origin; images also as data: URLs (the claim's QR code).
 */
export function serveWebApp(app: NestExpressApplication): void {
  app.useStaticAssets(WEB_DIR, {
    index: 'index.html',
    setHeaders: (response: ServerResponse) => {
      response.setHeader('content-security-policy', "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
      response.setHeader('x-content-type-options', 'nosniff');
      response.setHeader('referrer-policy', 'no-referrer');
      response.setHeader('cache-control', 'no-cache');
    },
  });
}
