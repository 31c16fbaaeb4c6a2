import type { IncomingMessage, ServerResponse } from 'node:http';

/** Comment lines at least this often keep proxies and browsers from dropping a quiet stream. */
const KEEPALIVE_MS = 15_000;

export interface SseStream {
  /** One event; `data` is sent as one line of JSON. */
  send(event: string, data: unknown): void;
  close(): void;
  readonly closed: boolean;
}

/**
 * Turns a response into a server-sent event stream (text/event-stream, WHATWG HTML §9.2) and calls
 * `onClose` once, whether the client went away or the server closed it.
 */
export function openSse(request: IncomingMessage, response: ServerResponse, onClose: () => void): SseStream {
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    // nginx buffers responses unless told not to.
    'x-accel-buffering': 'no',
  });
  response.write(': stream open\n\n');
  let closed = false;
  const keepalive = setInterval(() => response.write(': keepalive\n\n'), KEEPALIVE_MS);
  keepalive.unref();
  const finish = () => {
    if (closed) return;
    closed = true;
    clearInterval(keepalive);
    onClose();
  };
  request.on('close', finish);
  return {
    send(event, data) {
      if (!closed) response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    close() {
      finish();
      response.end();
    },
    get closed() {
      return closed;
    },
  };
}
