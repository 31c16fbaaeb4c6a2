import { BadRequestException, createParamDecorator, ExecutionContext, PipeTransform, UnsupportedMediaTypeException } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, validateSync } from 'class-validator';
import { PRICE_FORMATS, PriceFormat, PriceParseError, PriceSeries } from './price.types';
import { parsePrices } from './price-format';

const AREA = /^[A-Za-z0-9_.-]{1,64}$/;
/** The longest price document accepted, in characters. */
export const MAX_DOCUMENT_CHARS = 5_000_000;

/** GET /api/prices?from&to&area */
export class PricesQueryDto {
  @IsOptional() @IsString()
  from?: string;

  @IsOptional() @IsString()
  to?: string;

  @IsOptional() @Matches(AREA, { message: 'area must be 1–64 letters, digits, _ . -' })
  area?: string;
}

/** How a price document is read: POST /api/prices query parameters, or fields of a JSON document body. */
export class PriceUploadOptionsDto {
  @IsOptional() @IsIn(PRICE_FORMATS as unknown as string[], { message: `format must be one of ${PRICE_FORMATS.join(', ')}` })
  format?: PriceFormat;

  @IsOptional() @Matches(AREA, { message: 'area must be 1–64 letters, digits, _ . -' })
  area?: string;

  /** Nord Pool delivery area inside the document (SE3…), when it holds several. */
  @IsOptional() @IsString() @MaxLength(32)
  marketArea?: string;

  /** ENTSO-E classificationSequence position (1 = primary auction). */
  @IsOptional() @IsInt() @Min(1) @Max(10)
  position?: number;

  /** ESIOS geo_id (8741 = Península). */
  @IsOptional() @IsInt() @Min(1)
  geoId?: number;
}

/** POST /api/prices with a JSON document: `{format, content, …}` (ENTSO-E XML, ESIOS/PVPC, Nord Pool or CSV text). */
export class PriceDocumentDto extends PriceUploadOptionsDto {
  @IsString() @MinLength(1) @MaxLength(MAX_DOCUMENT_CHARS)
  content!: string;
}

export interface PriceUpload {
  series: PriceSeries;
  area?: string;
}

/** What POST /api/prices received: the body as parsed (JSON value, or the text of a text body), its media type, the query. */
export interface PriceUploadRequest {
  body: unknown;
  contentType?: string;
  query: Record<string, unknown>;
}

export const PriceUploadRequest = createParamDecorator((_: unknown, ctx: ExecutionContext): PriceUploadRequest => {
  const req = ctx.switchToHttp().getRequest<{ body: unknown; headers: Record<string, string | undefined>; query: Record<string, unknown> }>();
  return { body: req.body, contentType: req.headers['content-type'], query: req.query ?? {} };
});

/** Text media types the backend reads as a price document (main.ts registers a text body parser for them), with the format each implies. */
export const PRICE_TEXT_MEDIA_TYPES: Record<string, PriceFormat | undefined> = {
  'text/csv': 'csv',
  'application/csv': 'csv',
  'text/tab-separated-values': 'csv',
  'application/xml': 'entsoe',
  'text/xml': 'entsoe',
  'text/plain': undefined,
};

export const PRICE_UPLOAD_EXPECTED =
  'send the document as the body with content-type text/csv, application/xml or text/plain ' +
  "(curl --data-binary @prices.csv -H 'content-type: text/csv'; query parameters format, area, marketArea, position, geoId), " +
  'or JSON: an array of {start, end, price} or an object {content, format?, area?, marketArea?, position?, geoId?}';

const JSON_MEDIA = /^application\/([\w.-]+\+)?json$/;

/**
 * The upload body is a JSON array of {start,end,price}, a JSON PriceDocumentDto, or the document itself
 * as text (CSV, XML, …) with its options in the query. Nest's ValidationPipe skips array bodies and
 * custom decorators, so this pipe checks all three: the document goes through class-validator, then
 * its parser (same checks, same messages as the CLI). Any problem is a 400 (415 for a media type it
 * cannot read) with the reason, before anything is stored.
 */
export class PriceUploadPipe implements PipeTransform<PriceUploadRequest, PriceUpload> {
  transform({ body, contentType, query }: PriceUploadRequest): PriceUpload {
    const media = contentType?.split(';')[0].trim().toLowerCase() ?? '';
    const options = validated(PriceUploadOptionsDto, withNumbers(query), 'query: ');
    if (JSON_MEDIA.test(media)) {
      if (Array.isArray(body)) {
        if (options.format !== undefined && options.format !== 'json') {
          throw new BadRequestException(`a JSON array body is format json, not ${options.format}`);
        }
        return this.parse({ ...options, format: 'json', content: JSON.stringify(body) });
      }
      const doc = validated(PriceDocumentDto, body ?? {}, '');
      const twice = Object.keys(options).filter((k) => (doc as unknown as Record<string, unknown>)[k] !== undefined);
      if (twice.length > 0) throw new BadRequestException(`${twice.join(', ')} given both in the query and in the body`);
      return this.parse({ ...options, ...doc });
    }
    if (!(media in PRICE_TEXT_MEDIA_TYPES)) {
      throw new UnsupportedMediaTypeException(`content-type ${media ? `'${media}'` : 'missing'}: ${PRICE_UPLOAD_EXPECTED}`);
    }
    if (typeof body !== 'string' || body.trim() === '') throw new BadRequestException(`the body is empty: ${PRICE_UPLOAD_EXPECTED}`);
    const doc = validated(PriceDocumentDto, { ...options, format: options.format ?? PRICE_TEXT_MEDIA_TYPES[media], content: body }, '');
    return this.parse(doc);
  }

  private parse(doc: PriceDocumentDto): PriceUpload {
    try {
      const series = parsePrices(doc.content, {
        format: doc.format,
        source: 'upload',
        area: doc.marketArea,
        position: doc.position,
        geoId: doc.geoId,
      });
      if (series.slots.length === 0) throw new BadRequestException('upload: the document holds no price slots');
      return { series, area: doc.area };
    } catch (error) {
      if (error instanceof PriceParseError) throw new BadRequestException(error.message);
      throw error;
    }
  }
}

/** Query values are strings: position and geoId become numbers when they are whole numbers, so that IsInt can check them. */
function withNumbers(query: Record<string, unknown>): Record<string, unknown> {
  const numeric = (k: string, v: unknown) => (k === 'position' || k === 'geoId') && typeof v === 'string' && /^\d{1,9}$/.test(v);
  return Object.fromEntries(Object.entries(query).map(([k, v]) => [k, numeric(k, v) ? Number(v) : v]));
}

function validated<T extends object>(type: new () => T, plain: unknown, prefix: string): T {
  if (typeof plain !== 'object' || plain === null) throw new BadRequestException(PRICE_UPLOAD_EXPECTED);
  const value = plainToInstance(type, plain);
  const errors = validateSync(value, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    const messages = errors.flatMap((e) => Object.values(e.constraints ?? {})).map((m) => `${prefix}${m}`);
    throw new BadRequestException([...messages, PRICE_UPLOAD_EXPECTED]);
  }
  // Only the fields that were given: an absent option stays absent.
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
