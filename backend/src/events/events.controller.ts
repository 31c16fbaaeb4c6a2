import { BadRequestException, Controller, Get, Inject, OnModuleDestroy, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CLOCK, NowFn } from '../common/tokens';
import { DeviceIdPipe, parseInstant } from '../common/params';
import { SseConnections, SseEndpoint } from '../common/sse';
import { DevicesService } from '../devices/devices.service';
import { EventsQueryDto, EventStreamQueryDto } from './events.dto';
import { EVENTS, STORED_EVENT } from './events.openapi';
import { EventsService } from './events.service';

const DAY_MS = 86_400_000;

@ApiTags('events')
@Controller()
export class EventsController implements OnModuleDestroy {
  private readonly streams = new SseConnections();

  constructor(
    private readonly events: EventsService,
    private readonly devices: DevicesService,
    @Inject(CLOCK) private readonly now: NowFn,
  ) {}

  @Get('devices/:id/events')
  @ApiOkResponse({ schema: EVENTS, description: 'The stored events of [from, to) (default the last 24 hours), oldest first, at most `limit`.' })
  async list(@Param('id', DeviceIdPipe) id: string, @Query() query: EventsQueryDto) {
    this.devices.get(id);
    const now = this.now();
    const to = query.to ? parseInstant(query.to, now, 'to') : now;
    const from = query.from ? parseInstant(query.from, now, 'from') : to - DAY_MS;
    if (from >= to) throw new BadRequestException(`from (${new Date(from).toISOString()}) must be before to (${new Date(to).toISOString()})`);
    const events = await this.events.query({ device: id, from, to, types: query.type, limit: query.limit });
    return { device: id, from: new Date(from).toISOString(), to: new Date(to).toISOString(), events };
  }

  @Get('events/stream')
  @SseEndpoint()
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    schema: STORED_EVENT,
    description:
      'Server-sent events: one `event` message per event as soon as it is stored (id = device:seq). Every meter, or `device` only; ' +
      '`?access_token=` takes the REST token for EventSource, which cannot send headers.',
  })
  stream(@Query() query: EventStreamQueryDto, @Req() request: IncomingMessage, @Res() response: ServerResponse): void {
    if (query.device !== undefined) this.devices.get(query.device);
    const types = query.type ? new Set(query.type) : undefined;
    let unsubscribe = () => {};
    const channel = this.streams.accept(request, response, () => unsubscribe());
    unsubscribe = this.events.onStored((event) => {
      if (query.device !== undefined && event.device !== query.device) return;
      if (types && !types.has(event.type)) return;
      channel.send('event', event, event.seq !== undefined ? `${event.device}:${event.seq}` : undefined);
    });
  }

  onModuleDestroy(): void {
    this.streams.closeAll();
  }
}
