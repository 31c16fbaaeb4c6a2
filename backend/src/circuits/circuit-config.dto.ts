import { MAX_FAILSAFE_AFTER_S, MIN_FAILSAFE_AFTER_S } from '@dinmeter/shared';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNumber, IsOptional, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';

export class FailsafeDto {
  @IsIn(['hold', 'on', 'off'])
  mode!: 'hold' | 'on' | 'off';

  /** The meter refuses a shorter one (`failsafe_too_short`): refused here first, with 400. */
  @IsInt() @Min(MIN_FAILSAFE_AFTER_S) @Max(MAX_FAILSAFE_AFTER_S)
  afterSeconds!: number;
}

/** Body of PUT /api/devices/:id/circuits/:circuit/config: any subset of the fields. */
export class CircuitConfigDto {
  @IsOptional() @IsString() @MaxLength(64)
  label?: string;

  @IsOptional() @IsIn(['off', 'on', 'restore'])
  powerOnState?: 'off' | 'on' | 'restore';

  @IsOptional() @ValidateNested() @Type(() => FailsafeDto)
  failsafe?: FailsafeDto;

  @IsOptional() @IsNumber() @Min(0.1) @Max(100)
  overcurrentA?: number;

  @IsOptional() @IsInt() @Min(0) @Max(600000)
  overcurrentDelayMs?: number;

  @IsOptional() @IsInt() @Min(0) @Max(86400)
  minSwitchIntervalSeconds?: number;

  @IsOptional() @IsInt() @Min(1) @Max(3600)
  maxSwitchesPerHour?: number;
}
