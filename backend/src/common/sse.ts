/**
 * Server-sent events (the WHATWG "text/event-stream" format) over a plain Node response, for any
 * feature that streams: open a channel per request, send named events with JSON data, close them all
 * at shutdown (an open stream would keep the HTTP server from closing).
 * Browsers' EventSource cannot send headers: routes marked SseEndpoint() also take the REST token as
 * `?access_token=` (the guard reads it; docs/security.md "Live streams").
 */
import { SetMetadata } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const SSE_QUERY_TOKEN_METADATA = 'dinmeter:sse-query-token';
/** The route streams server-sent events and accepts `?access_token=<REST token>` instead of the Authorization header. */
export const SseEndpoint = () => SetMetadata(SSE_QUERY_TOKEN_METADATA, true);
/** The query parameter an SseEndpoint takes the token from. */
export const SSE_TOKEN_PARAM = 'access_token';

/** A comment line this often keeps proxies and the browser from closing an idle stream. */
const KEEP_ALIVE_MS = 15_000;

export interface SseChannel {
  /** `data` is sent as one line of JSON; `id` becomes the event's lastEventId. */
  send(event: string, data: unknown, id?: string | number): void;
  close(): void;
  readonly closed: boolean;
}

/** Every open stream of one feature; closeAll() at shutdown. */
export class SseConnections {
  private readonly open = new Set<SseChannel>();

  get size(): number {
    return this.open.size;
  }

  /** Answers the request with an event stream; `onClose` runs once, when the client leaves or closeAll() ends it. */
  accept(request: IncomingMessage, response: ServerResponse, onClose: () => void, keepAliveMs = KEEP_ALIVE_MS): SseChannel {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx buffers responses unless told not to.
      'x-accel-buffering': 'no',
    });
    response.write(': stream open\n\n');
    const timer = setInterval(() => response.write(': keep-alive\n\n'), keepAliveMs);
    timer.unref();
    let closed = false;
    const channel: SseChannel = {
      send(event, data, id) {
        if (closed) return;
        const idLine = id === undefined ? '' : `id: ${String(id).replace(/[\r\n]/g, '')}\n`;
        // JSON.stringify escapes newlines, so the data is one line.
        response.write(`event: ${event.replace(/[\r\n]/g, '')}\n${idLine}data: ${JSON.stringify(data)}\n\n`);
      },
      close: () => {
        if (closed) return;
        closed = true;
        clearInterval(timer);
        this.open.delete(channel);
        response.end();
        onClose();
      },
      get closed() {
        return closed;
      },
    };
    this.open.add(channel);
    request.on('close', () => channel.close());
    return channel;
  }

  closeAll(): void {
    for (const channel of [...this.open]) channel.close();
  }
}
