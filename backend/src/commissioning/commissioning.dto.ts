import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { FailsafeDto } from '../circuits/circuit-config.dto';

/** Body of PUT /api/devices/:id/circuits/:circuit/setup: any subset of what an installer sets per circuit. */
export class CircuitSetupDto {
  @IsOptional() @IsString() @MaxLength(64)
  label?: string;

  /** One of GET /api/ct-models; the calibration computed from it is sent to the meter. */
  @IsOptional() @IsString() @MaxLength(32)
  ctModel?: string;

  @IsOptional() @IsBoolean()
  relayFitted?: boolean;

  @IsOptional() @ValidateNested() @Type(() => FailsafeDto)
  failsafe?: FailsafeDto;

  @IsOptional() @IsIn(['off', 'on', 'restore'])
  powerOnState?: 'off' | 'on' | 'restore';
}
