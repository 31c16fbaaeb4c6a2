import { BadRequestException, PipeTransform } from '@nestjs/common';
import { APPLIANCE_ID_PATTERN } from '@dinmeter/shared';

/** `:applianceId` is an id the backend gave (a1, a2 …). */
export class ApplianceIdPipe implements PipeTransform<string, string> {
  static readonly openApiSchema = { type: 'string', pattern: APPLIANCE_ID_PATTERN.source };

  transform(value: string): string {
    if (!APPLIANCE_ID_PATTERN.test(value)) throw new BadRequestException(`invalid appliance id ${JSON.stringify(value)}: expected a1, a2, …`);
    return value;
  }
}
