import { IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { MAX_CLAIM_TTL_MINUTES } from './claims.registry';

/** Body of POST /api/claims (admin). */
export class CreateClaimDto {
  @IsOptional() @IsString() @MaxLength(64)
  label?: string;

  /** The id the meter will get; without it the meter's own or a generated one. */
  @IsOptional() @IsString() @MaxLength(64)
  deviceId?: string;

  @IsOptional() @IsInt() @Min(1) @Max(MAX_CLAIM_TTL_MINUTES)
  ttlMinutes?: number;
}

/** Body of POST /api/claim (public): what a meter's setup portal sends (snake case, as the meter's settings are). */
export class RedeemClaimDto {
  @IsString() @MaxLength(32)
  code!: string;

  @IsOptional() @IsString() @MaxLength(64)
  device_id?: string;

  /** Model, serial, MAC, firmware …: strings, kept with the claim. */
  @IsOptional() @IsObject()
  hardware?: Record<string, string>;
}
