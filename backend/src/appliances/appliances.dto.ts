import { IsString, Matches, MaxLength, MinLength } from 'class-validator';

export class NameApplianceDto {
  /** What the user calls it: "Fridge", "Kühlschrank", "Pool pump". */
  @IsString() @MinLength(1) @MaxLength(64) @Matches(/^[^\p{Cc}<>{}]+$/u, { message: 'name must not contain control characters or <>{}' })
  name!: string;
}
