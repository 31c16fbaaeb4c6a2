import { EVENT_TYPES, EventType } from '@dinmeter/shared';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { SSE_TOKEN_PARAM } from '../common/sse';

const commaList = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.split(',').map((v) => v.trim()) : value);

export const MAX_EVENTS = 10_000;

export class EventsQueryDto {
  /** ISO 8601, epoch ms or s, "now" or like "-1h"; default 24 hours before `to`. */
  @IsOptional() @IsString()
  from?: string;

  /** Default now. */
  @IsOptional() @IsString()
  to?: string;

  /** One type or several, comma-separated. */
  @IsOptional() @Transform(commaList) @IsIn(EVENT_TYPES as unknown as string[], { each: true, message: `type must be among ${EVENT_TYPES.join(', ')}` })
  type?: EventType[];

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(MAX_EVENTS)
  limit: number = 1000;
}

export class EventStreamQueryDto {
  /** Only this meter's events; default every meter. */
  @IsOptional() @Matches(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, { message: 'device must be a device id' })
  device?: string;

  @IsOptional() @Transform(commaList) @IsIn(EVENT_TYPES as unknown as string[], { each: true, message: `type must be among ${EVENT_TYPES.join(', ')}` })
  type?: EventType[];

  /** The REST token, for EventSource (it cannot send an Authorization header); read by the guard. */
  @IsOptional() @IsString()
  [SSE_TOKEN_PARAM]?: string;
}
