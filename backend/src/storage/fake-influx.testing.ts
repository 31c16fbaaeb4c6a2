/** A scripted HTTP server standing in for InfluxDB in unit tests: records every request, answers with `reply`. */
import { createServer, IncomingMessage, Server } from 'node:http';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface FakeReply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

export class FakeInflux {
  readonly requests: RecordedRequest[] = [];
  url = '';
  private server?: Server;

  constructor(public reply: (request: RecordedRequest) => FakeReply) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const recorded: RecordedRequest = { method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, body };
        this.requests.push(recorded);
        const answer = this.reply(recorded);
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(answer.body ?? '');
      });
    });
    await new Promise<void>((done) => this.server!.listen(0, '127.0.0.1', done));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return this;
  }

  writes(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.endsWith('/write'));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
  }
}
