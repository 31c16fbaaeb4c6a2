import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';

/** POST …/circuits/:circuit/relay. */
export class RelayCommandDto {
  @IsIn(['on', 'off'])
  state!: 'on' | 'off';

  /** How long the command may wait for the meter before it expires (default COMMAND_TTL_S). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(86400)
  ttlSeconds?: number;
}
