import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsTimeZone,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { HH_MM } from './local-time';

const hhmm = { message: '$property must be a local time HH:MM (00:00–24:00)' };

export class ScheduleRuleDto {
  /** Cron expressions that switch on, e.g. "0 7 * * 1-5" (minute hour day month weekday, optional seconds first). */
  @IsString({ each: true }) @MaxLength(100, { each: true }) @ArrayMinSize(1) @ArrayMaxSize(10)
  on!: string[];

  @IsString({ each: true }) @MaxLength(100, { each: true }) @ArrayMinSize(1) @ArrayMaxSize(10)
  off!: string[];

  @IsOptional() @IsTimeZone()
  timezone?: string;
}

export class CheapestRuleDto {
  @IsInt() @Min(1) @Max(24 * 60)
  durationMinutes!: number;

  @Matches(HH_MM, hhmm)
  from!: string;

  @Matches(HH_MM, hhmm)
  to!: string;

  @IsOptional() @IsTimeZone()
  timezone?: string;

  @IsOptional() @IsBoolean()
  nonContiguous?: boolean;

  @IsOptional() @IsInt() @Min(1) @Max(24 * 60)
  minBlockMinutes?: number;

  @IsOptional() @IsInt() @Min(1) @Max(96)
  maxBlocks?: number;

  @IsOptional() @IsNumber() @Min(1) @Max(100_000)
  powerW?: number;
}

export class ThresholdRuleDto {
  /** On while the (consumer) price per kWh is below this. */
  @IsNumber() @Min(-100) @Max(100)
  belowPrice!: number;

  @IsOptional() @IsNumber() @Min(1) @Max(100_000)
  powerW?: number;
}

export class BudgetGuardDto {
  @IsNumber() @Min(0.001) @Max(1_000_000)
  kwh!: number;

  @IsIn(['day', 'week', 'month'])
  period!: 'day' | 'week' | 'month';

  @IsOptional() @IsTimeZone()
  timezone?: string;
}

export class CreditGuardDto {
  @IsIn(['kwh', 'money'])
  unit!: 'kwh' | 'money';

  /** Sets the balance; omitted: the balance stays as it is (top up with POST …/credit). */
  @IsOptional() @IsNumber() @Min(-1_000_000) @Max(1_000_000)
  balance?: number;
}

export class StandbyGuardDto {
  @IsNumber() @Min(0.1) @Max(10_000)
  belowW!: number;

  @IsNumber() @Min(1) @Max(24 * 60)
  forMinutes!: number;
}

export class GuardsDto {
  @IsOptional() @ValidateNested() @Type(() => BudgetGuardDto)
  budget?: BudgetGuardDto;

  @IsOptional() @ValidateNested() @Type(() => CreditGuardDto)
  credit?: CreditGuardDto;

  @IsOptional() @ValidateNested() @Type(() => StandbyGuardDto)
  standby?: StandbyGuardDto;
}

/** Body of PUT /api/devices/:id/circuits/:circuit/automation. The object for the chosen mode is required. */
export class AutomationDto {
  @IsIn(['manual', 'schedule', 'cheapest', 'threshold'])
  mode!: 'manual' | 'schedule' | 'cheapest' | 'threshold';

  @IsOptional() @ValidateNested() @Type(() => ScheduleRuleDto)
  schedule?: ScheduleRuleDto;

  @IsOptional() @ValidateNested() @Type(() => CheapestRuleDto)
  cheapest?: CheapestRuleDto;

  @IsOptional() @ValidateNested() @Type(() => ThresholdRuleDto)
  threshold?: ThresholdRuleDto;

  @IsOptional() @ValidateNested() @Type(() => GuardsDto)
  guards?: GuardsDto;
}

/** Body of POST …/credit: adds to the balance (kWh or money, the guard's unit). */
export class CreditTopUpDto {
  @IsNumber() @Min(0.000001) @Max(1_000_000)
  amount!: number;
}

/** GET …/savings?from&to */
export class SavingsQueryDto {
  @IsOptional() @IsString()
  from?: string;

  @IsOptional() @IsString()
  to?: string;
}
