import { BadRequestException, Controller, Get, Inject, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBody, ApiConsumes, ApiCreatedResponse, ApiExtraModels, ApiOkResponse, ApiQuery, ApiTags, ApiUnsupportedMediaTypeResponse, getSchemaPath } from '@nestjs/swagger';
import { PRICE_SLOTS_BODY, PRICES, PRICES_STORED } from './prices.openapi';
import { parseInstant } from '../common/params';
import { CLOCK, NowFn } from '../common/tokens';
import { PRICE_TEXT_MEDIA_TYPES, PRICE_UPLOAD_EXPECTED, PriceDocumentDto, PricesQueryDto, PriceUpload, PriceUploadOptionsDto, PriceUploadPipe, PriceUploadRequest } from './prices.dto';
import { PricesService } from './prices.service';
import { RequireRole } from '../security/roles';

const iso = (ms: number) => new Date(ms).toISOString();

@ApiTags('prices')
@Controller('prices')
export class PricesController {
  constructor(
    private readonly prices: PricesService,
    @Inject(CLOCK) private readonly now: NowFn,
  ) {}

  /** Stored slots overlapping [from, to) (default: the last 24 h and the next 48 h), ISO instants. */
  @Get()
  @ApiOkResponse({ schema: PRICES })
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
  @ApiExtraModels(PriceDocumentDto)
  @ApiConsumes('application/json', ...Object.keys(PRICE_TEXT_MEDIA_TYPES))
  @ApiBody({
    description: PRICE_UPLOAD_EXPECTED,
    schema: { oneOf: [PRICE_SLOTS_BODY, { $ref: getSchemaPath(PriceDocumentDto) }] },
  })
  @ApiQuery({ type: PriceUploadOptionsDto, required: false })
  @ApiCreatedResponse({ schema: PRICES_STORED })
  @ApiBadRequestResponse({ description: 'The document does not parse, holds no slots, or an option is wrong: nothing was stored.' })
  @ApiUnsupportedMediaTypeResponse({ description: 'A content-type the upload cannot read.' })
  async upload(@PriceUploadRequest(PriceUploadPipe) upload: PriceUpload) {
    const stored = await this.prices.store(upload.series, upload.area);
    return { ...stored, from: iso(stored.from), to: iso(stored.to) };
  }
}
