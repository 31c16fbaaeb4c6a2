/**
 * The portal's HTTP server on the ESP32: the SDK's `http` Server (port 80) in front of the portable
 * PortalHandler. The callback protocol is the SDK's (modules/network/http/http.js): status line,
 * headers one by one, the body as one String, then the response.
 */
import { Server } from 'http';
import { MAX_FORM_BYTES, PortalHandler, PortalRequest, PortalResponse } from '../../core/commissioning/portal-handler';

interface Exchange {
  request: PortalRequest;
  headers: Record<string, string>;
  response?: PortalResponse;
}

export function startPortalServer(handler: PortalHandler, port = 80): Server {
  const server = new Server({ port });
  server.callback = function (this: Exchange & object, message: number, value?: unknown, etc?: unknown) {
    switch (message) {
      case Server.status:
        this.headers = {};
        this.request = { method: String(etc), path: String(value), headers: this.headers };
        return;
      case Server.header:
        this.headers[String(value).toLowerCase()] = String(etc);
        return;
      case Server.headersComplete: {
        const length = Number(this.headers['content-length'] ?? 0);
        // A body over the limit is ignored, not read into memory (`false`); the handler answers 413.
        if (length > MAX_FORM_BYTES) {
          this.request.body = 'x'.repeat(MAX_FORM_BYTES + 1);
          return false;
        }
        return length > 0 ? String : undefined;
      }
      case Server.requestComplete:
        if (typeof value === 'string') this.request.body = value;
        return;
      case Server.prepareResponse: {
        const response = handler.handle(this.request);
        const headers: string[] = [];
        for (const name in response.headers) headers.push(name, response.headers[name]);
        return { status: response.status, headers, body: response.body };
      }
    }
    return undefined;
  } as never;
  return server;
}
