import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { SseChannel, SseConnections } from './sse';

describe(SseConnections.name, () => {
  let server: Server;
  let url: string;
  let connections: SseConnections;
  let channels: SseChannel[];
  let closed: number;

  beforeEach(async () => {
    connections = new SseConnections();
    channels = [];
    closed = 0;
    server = createServer((request, response) => channels.push(connections.accept(request, response, () => closed++, 50)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterEach(async () => {
    connections.closeAll();
    await new Promise((resolve) => server.close(resolve));
  });

  async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, text: string): Promise<string> {
    const decoder = new TextDecoder();
    let got = '';
    while (!got.includes(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      got += decoder.decode(value, { stream: true });
    }
    return got;
  }

  describe('accept', () => {
    it('should answer text/event-stream and send named events with one line of JSON, an id, and keep-alive comments', async () => {
      const response = await fetch(url);
      expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
      const reader = response.body!.getReader();
      await readUntil(reader, ': stream open\n\n');
      channels[0].send('event', { message: 'line one\nline two' }, 'm1:7');
      expect(await readUntil(reader, 'two"}\n\n')).toContain('event: event\nid: m1:7\ndata: {"message":"line one\\nline two"}\n\n');
      expect(await readUntil(reader, ': keep-alive\n\n')).toContain(': keep-alive');
      await reader.cancel();
    });

    it('should run onClose once when the client leaves, and forget the channel', async () => {
      const controller = new AbortController();
      const response = await fetch(url, { signal: controller.signal });
      await readUntil(response.body!.getReader(), ': stream open');
      expect(connections.size).toBe(1);
      controller.abort();
      for (let i = 0; i < 50 && closed === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(closed).toBe(1);
      expect(connections.size).toBe(0);
      expect(channels[0].closed).toBe(true);
      channels[0].send('event', {}); // ignored, no throw
    });
  });

  describe('closeAll', () => {
    it('should end every open stream, so the server can close', async () => {
      const response = await fetch(url);
      const reader = response.body!.getReader();
      await readUntil(reader, ': stream open');
      connections.closeAll();
      await readUntil(reader, 'never'); // returns when the stream ends
      expect(closed).toBe(1);
    });
  });
});
