/**
 * The claim's HTTP client on the ESP32: one JSON POST with the SDK's `http` Request. Plain http
 * only: an https backend needs the SDK's SecureSocket and a CA, which this firmware does not
 * carry yet (docs/setup-portal.md says so to the installer).
 */
import { Request } from 'http';
import type { HttpClient, HttpResult } from '../../core/commissioning/commissioning.ports';

const URL_PARTS = /^http:\/\/([^/:]+|\[[^\]]+\])(?::(\d+))?(\/.*)?$/;

export class ModdableHttpClient implements HttpClient {
  postJson(url: string, body: string, done: (result: HttpResult) => void): void {
    const parts = URL_PARTS.exec(url);
    if (!parts) return done({ error: url.startsWith('https:') ? 'https is not supported by this firmware: use the backend\'s http:// address' : `not an http:// URL: ${url}` });
    let status = 0;
    let request: Request;
    try {
      request = new Request({
        host: parts[1],
        port: parts[2] ? Number(parts[2]) : 80,
        path: parts[3] ?? '/',
        method: 'POST',
        headers: ['content-type', 'application/json', 'content-length', body.length],
        body,
        response: String,
      });
    } catch (error) {
      return done({ error: error instanceof Error ? error.message : String(error) });
    }
    request.callback = (message, value) => {
      if (message === Request.status) status = Number(value);
      else if (message === Request.responseComplete) done({ status, body: typeof value === 'string' ? value : '' });
      else if (message === Request.error) done({ error: 'connection failed' });
      return undefined;
    };
  }
}
