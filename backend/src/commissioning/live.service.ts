import { Injectable, OnModuleDestroy } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SseChannel, SseConnections } from '../common/sse';
import { CircuitSetupService } from './circuit-setup.service';

/** How often a stream looks for a change: the meters report every second at the fastest. */
export const LIVE_POLL_MS = 1000;

/**
 * GET /api/devices/:id/live: the device's commissioning view (readings, relays, chip health, CT flags)
 * as server-sent events, one `snapshot` when it opens and one whenever it changed, checked every second.
 */
@Injectable()
export class LiveService implements OnModuleDestroy {
  private readonly streams = new SseConnections();

  constructor(private readonly setup: CircuitSetupService) {}

  get openStreams(): number {
    return this.streams.size;
  }

  /** Throws NotFoundException before anything is written when the device is unknown. */
  open(deviceId: string, request: IncomingMessage, response: ServerResponse): void {
    let last = JSON.stringify(this.setup.view(deviceId));
    const timer = setInterval(() => {
      let next: string;
      try {
        next = JSON.stringify(this.setup.view(deviceId));
      } catch {
        stream.send('gone', { id: deviceId });
        stream.close();
        return;
      }
      if (next === last) return;
      last = next;
      stream.send('snapshot', JSON.parse(next));
    }, LIVE_POLL_MS);
    const stream: SseChannel = this.streams.accept(request, response, () => clearInterval(timer));
    stream.send('snapshot', JSON.parse(last));
  }

  onModuleDestroy(): void {
    this.streams.closeAll();
  }
}
