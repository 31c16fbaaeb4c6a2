import { BadRequestException, PipeTransform } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, validateSync } from 'class-validator';
import { PRICE_FORMATS, PriceFormat, PriceParseError, PriceSeries } from './price.types';
import { parsePrices } from './price-format';

const AREA = /^[A-Za-z0-9_.-]{1,64}$/;

/** GET /api/prices?from&to&area */
export class PricesQueryDto {
  @IsOptional() @IsString()
  from?: string;

  @IsOptional() @IsString()
  to?: string;

  @IsOptional() @Matches(AREA, { message: 'area must be 1–64 letters, digits, _ . -' })
  area?: string;
}

/** POST /api/prices with a document: `{format, content}` (ENTSO-E XML, ESIOS/PVPC, Nord Pool or CSV text). */
export class PriceDocumentDto {
  @IsOptional() @IsIn(PRICE_FORMATS as unknown as string[])
  format?: PriceFormat;

  @IsString() @MinLength(1) @MaxLength(5_000_000)
  content!: string;

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

export interface PriceUpload {
  series: PriceSeries;
  area?: string;
}

/**
 * The upload body is either a JSON array of {start,end,price} or a PriceDocumentDto. Nest's
 * ValidationPipe skips array bodies, so this pipe does both: the array goes through the manual
 * JSON parser (same checks, same messages as the CLI), the document through class-validator and
 * then its parser. Any problem is a 400 with the parser's message, before anything is stored.
 */
export class PriceUploadPipe implements PipeTransform<unknown, PriceUpload> {
  transform(body: unknown): PriceUpload {
    try {
      if (Array.isArray(body)) return { series: parsePrices(JSON.stringify(body), { format: 'json', source: 'upload' }) };
      const doc = plainToInstance(PriceDocumentDto, body ?? {});
      const errors = validateSync(doc, { whitelist: true, forbidNonWhitelisted: true });
      if (errors.length > 0) throw new BadRequestException(errors.flatMap((e) => Object.values(e.constraints ?? {})));
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
