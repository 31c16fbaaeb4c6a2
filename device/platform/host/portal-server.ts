/** The portal's HTTP server on the host: node:http in front of the portable PortalHandler. */
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_FORM_BYTES, PortalHandler, PortalRequest } from '../../core/commissioning/portal-handler';

export class PortalServer {
  private server?: Server;
  /** Set once the address is known (the handler redirects captive requests to it); 503 before. */
  handler?: PortalHandler;

  /** Listens on `host:port` (0: any free port); resolves with the port. */
  async start(port: number, host = '127.0.0.1'): Promise<number> {
    const server = createServer((req, res) => {
      void readBody(req).then((body) => {
        const request: PortalRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers as Record<string, string | undefined>, body };
        const response = this.handler?.handle(request) ?? { status: 503, headers: { 'retry-after': '1' }, body: '' };
        res.writeHead(response.status, response.headers);
        res.end(req.method === 'HEAD' ? undefined : response.body);
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}

/** The body as text, cut one byte past the limit (the handler answers 413 to that). */
async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    if (length > MAX_FORM_BYTES) continue; // drain, keep nothing more
    chunks.push(chunk);
    length += chunk.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}
