import { BadRequestException, Controller, Get, Inject, Post, Query } from '@nestjs/common';
import { parseInstant } from '../api/params';
import { CLOCK, NowFn } from '../common/tokens';
import { PricesQueryDto, PriceUpload, PriceUploadPipe, PriceUploadRequest } from './prices.dto';
import { PricesService } from './prices.service';
import { RequireRole } from '../security/roles';

const iso = (ms: number) => new Date(ms).toISOString();

@Controller('prices')
export class PricesController {
  constructor(
    private readonly prices: PricesService,
    @Inject(CLOCK) private readonly now: NowFn,
  ) {}

  /** Stored slots overlapping [from, to) (default: the last 24 h and the next 48 h), ISO instants. */
  @Get()
  async list(@Query() query: PricesQueryDto) {
    const now = this.now();
    const from = query.from ? parseInstant(query.from, now, 'from') : now - 86_400_000;
    const to = query.to ? parseInstant(query.to, now, 'to') : now + 2 * 86_400_000;
    if (from >= to) throw new BadRequestException(`from (${iso(from)}) must be before to (${iso(to)})`);
    const area = query.area ?? this.prices.area;
    const slots = await this.prices.list(area, from, to);
    return {
      area,
      currency: slots.find((s) => s.currency)?.currency,
      from: iso(from),
      to: iso(to),
      slots: slots.map((s) => ({
        start: iso(s.start),
        end: iso(s.end),
        price: s.price,
        ...(s.consumerPrice !== undefined ? { consumerPrice: s.consumerPrice } : {}),
      })),
    };
  }

  /** A price document as JSON or as text (text/csv, application/xml, text/plain); prices.dto.ts says exactly what. */
  @Post()
  @RequireRole('control')
  async upload(@PriceUploadRequest(PriceUploadPipe) upload: PriceUpload) {
    const stored = await this.prices.store(upload.series, upload.area);
    return { ...stored, from: iso(stored.from), to: iso(stored.to) };
  }
}
