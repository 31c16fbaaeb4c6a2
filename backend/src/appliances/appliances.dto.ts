import { ALERT_KINDS, AlertKindName } from '@dinmeter/shared';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsIn, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';

export class NameApplianceDto {
  /** What the user calls it: "Fridge", "Kühlschrank", "Pool pump". */
  @IsString() @MinLength(1) @MaxLength(64) @Matches(/^[^\p{Cc}<>{}]+$/u, { message: 'name must not contain control characters or <>{}' })
  name!: string;
}

export class MinChangeDto {
  @IsOptional() @IsNumber() @Min(0.01) @Max(5) durationS?: number;
  @IsOptional() @IsNumber() @Min(0.01) @Max(5) powerW?: number;
  @IsOptional() @IsNumber() @Min(0.01) @Max(5) energyWh?: number;
  @IsOptional() @IsNumber() @Min(0.01) @Max(5) intervalS?: number;
}

/** A circuit's tuning of the anomaly detection (docs/anomalies.md); omitted values keep their defaults. */
export class AnomalySettingsDto {
  @IsOptional() @IsNumber() @Min(2) @Max(20) scoreThreshold?: number;
  @IsOptional() @ValidateNested() @Type(() => MinChangeDto) minChange?: MinChangeDto;
  @IsOptional() @IsNumber() @Min(0.5) @Max(1000) standbyMinDeltaW?: number;
  @IsOptional() @IsNumber() @Min(0.01) @Max(10) standbyMinChange?: number;
  @IsOptional() @IsNumber() @Min(1.2) @Max(20) neverStopsFactor?: number;
  @IsOptional() @IsNumber() @Min(1.5) @Max(50) missingFactor?: number;
  /** Alert kinds never raised on this circuit. */
  @IsOptional() @IsIn([...ALERT_KINDS], { each: true }) @ArrayMaxSize(ALERT_KINDS.length) muted?: AlertKindName[];
}
