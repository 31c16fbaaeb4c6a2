/**
 * The OTA agent's HttpRangePort on the ESP32: the SDK's `http` Request, streamed (no `response`
 * type, so each fragment is read as it arrives and the image is never held whole in RAM), with
 * `Range: bytes=<n>-` (RFC 9110 §14.2) when resuming. Plain http only, like the claim
 * (claim-http.adapter.ts): the image is signed, not secret. The host version is
 * platform/host/node-http-range.ts.
 */
import { Request } from 'http';
import Timer from 'timer';
import type { HttpRangeHandlers, HttpRangePort } from '../../core/ota/ota.ports';

const URL_PARTS = /^http:\/\/([^/:]+|\[[^\]]+\])(?::(\d+))?(\/.*)?$/;
/** A download that delivers nothing for this long is broken off (the agent retries with Range). */
const IDLE_TIMEOUT_MS = 15_000;

export const moddableHttpRange: HttpRangePort = {
  get(url: string, fromByte: number, handlers: HttpRangeHandlers) {
    let request: Request | undefined;
    let idle: Timer | undefined;
    let done = false;
    const end = (fn?: () => void): void => {
      if (done) return;
      done = true;
      if (idle) Timer.clear(idle);
      try {
        request?.close();
      } catch {
        // already closed by the SDK after its final callback
      }
      // Handlers never run inside get() (ota.ports.ts): defer the outcome to the next turn.
      if (fn) Timer.set(fn, 0);
    };
    const parts = URL_PARTS.exec(url);
    if (!parts) {
      const problem = url.startsWith('https:') ? 'https is not supported by this firmware: set FIRMWARE_URL_BASE to an http:// address' : `not an http:// URL: ${url}`;
      end(() => handlers.onError(problem));
      return { abort: () => end() };
    }
    const expected = fromByte > 0 ? 206 : 200;
    const armIdle = (): void => {
      if (idle) Timer.clear(idle);
      idle = Timer.set(() => end(() => handlers.onError(`no data for ${IDLE_TIMEOUT_MS / 1000} s`)), IDLE_TIMEOUT_MS);
    };
    try {
      request = new Request({
        host: parts[1],
        port: parts[2] ? Number(parts[2]) : 80,
        path: parts[3] ?? '/',
        method: 'GET',
        headers: fromByte > 0 ? ['range', `bytes=${fromByte}-`] : [],
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      end(() => handlers.onError(message));
      return { abort: () => end() };
    }
    armIdle();
    request.callback = (message: number, value?: unknown) => {
      if (done) return undefined;
      if (message === Request.status && Number(value) !== expected) {
        end(() => handlers.onError(`HTTP ${String(value)} for ${fromByte > 0 ? `bytes ${fromByte}-` : 'the image'} (expected ${expected})`));
      } else if (message === Request.responseFragment) {
        armIdle();
        const bytes = (request as Request).read(ArrayBuffer, Number(value));
        handlers.onData(new Uint8Array(bytes));
      } else if (message === Request.responseComplete) {
        end(() => handlers.onEnd());
      } else if (message === Request.error) {
        end(() => handlers.onError('connection failed'));
      }
      return undefined;
    };
    return { abort: () => end() };
  },
};
