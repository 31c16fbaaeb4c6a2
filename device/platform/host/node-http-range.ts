/** The OTA agent's HTTP port on Node's http/https: a GET with a Range header, streamed to the handlers. */
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { HttpRangeHandlers, HttpRangePort } from '../../core/ota/ota.ports';

const TIMEOUT_MS = 15_000;

export const nodeHttpRange: HttpRangePort = {
  get(url: string, fromByte: number, handlers: HttpRangeHandlers) {
    let done = false;
    const end = (fn: () => void) => {
      if (done) return;
      done = true;
      fn();
    };
    const get = url.startsWith('https:') ? httpsGet : httpGet;
    const request = get(url, { headers: fromByte > 0 ? { Range: `bytes=${fromByte}-` } : {}, timeout: TIMEOUT_MS }, (response) => {
      const expected = fromByte > 0 ? 206 : 200;
      if (response.statusCode !== expected) {
        response.resume();
        return end(() => handlers.onError(`HTTP ${response.statusCode} for ${fromByte > 0 ? `bytes ${fromByte}-` : 'the image'} (expected ${expected})`));
      }
      response.on('data', (chunk: Buffer) => !done && handlers.onData(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
      response.on('end', () => end(() => handlers.onEnd()));
      response.on('error', (error) => end(() => handlers.onError(error.message)));
    });
    request.on('timeout', () => request.destroy(new Error(`no data for ${TIMEOUT_MS / 1000} s`)));
    request.on('error', (error) => end(() => handlers.onError(error.message)));
    return { abort: () => end(() => request.destroy()) };
  },
};
