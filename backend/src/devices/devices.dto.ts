import { CIRCUIT_METRIC_FIELDS } from '@dinmeter/shared';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';

export class SeriesQueryDto {
  @IsOptional() @IsString()
  from?: string;

  @IsOptional() @IsString()
  to?: string;

  @IsOptional() @IsIn(CIRCUIT_METRIC_FIELDS as unknown as string[])
  field: string = 'power_w';

  /** Aggregation window, InfluxQL duration: 10s, 1m, 15m, 1h, 1d. */
  @IsOptional() @Matches(/^\d{1,5}(s|m|h|d)$/, { message: 'every must be a duration like 10s, 1m, 1h or 1d' })
  every?: string;

  @IsOptional() @IsIn(['mean', 'max', 'min', 'last', 'sum'])
  fn?: 'mean' | 'max' | 'min' | 'last' | 'sum';
}
