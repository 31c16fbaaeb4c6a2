import { Type } from '@nestjs/common';
import { ApiProperty, DECORATORS } from '@nestjs/swagger';
import { getMetadataStorage, ValidationTypes } from 'class-validator';

type ValidationMetadata = ReturnType<ReturnType<typeof getMetadataStorage>['getTargetValidationMetadatas']>[number];

type Options = Record<string, unknown>;

/** What one class-validator rule says about a property's schema (`each` rules describe the items). */
const RULES: Record<string, (constraints: unknown[]) => Options> = {
  isString: () => ({ type: 'string' }),
  isInt: () => ({ type: 'integer' }),
  isNumber: () => ({ type: 'number' }),
  isBoolean: () => ({ type: 'boolean' }),
  isTimeZone: () => ({ type: 'string', description: 'IANA time zone, e.g. Europe/Berlin' }),
  isIn: ([values]) => ({ type: typeof (values as unknown[])[0] === 'number' ? 'number' : 'string', enum: [...(values as unknown[])] }),
  min: ([value]) => ({ minimum: value }),
  max: ([value]) => ({ maximum: value }),
  minLength: ([value]) => ({ minLength: value }),
  maxLength: ([value]) => ({ maxLength: value }),
  matches: ([pattern]) => ({ pattern: (pattern as RegExp).source }),
  arrayMinSize: ([value]) => ({ minItems: value }),
  arrayMaxSize: ([value]) => ({ maxItems: value }),
};

/**
 * Describes the DTOs' properties to @nestjs/swagger from their class-validator rules, so the OpenAPI
 * schemas of bodies and queries are the rules the ValidationPipe enforces, written once. (The
 * swagger CLI plugin would do the same at compile time, which the swc-node runtime cannot run.)
 * Explicit @ApiProperty options win; running it twice changes nothing.
 */
export function describeValidatedProperties(): void {
  const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<Type<unknown>, ValidationMetadata[]> };
  for (const target of storage.validationMetadatas.keys()) describeClass(target);
}

function describeClass(target: Type<unknown>): void {
  const rules = getMetadataStorage().getTargetValidationMetadatas(target, '', true, false);
  const defaults = newInstance(target);
  const byProperty = new Map<string, ValidationMetadata[]>();
  for (const rule of rules) byProperty.set(rule.propertyName, [...(byProperty.get(rule.propertyName) ?? []), rule]);
  for (const [property, propertyRules] of byProperty) {
    const options: Options = { required: true };
    const items: Options = {};
    for (const rule of propertyRules) {
      if (rule.type === ValidationTypes.CONDITIONAL_VALIDATION) options.required = false;
      else if (rule.type === ValidationTypes.NESTED_VALIDATION) {
        const nested = Reflect.getMetadata('design:type', target.prototype, property) as Type<unknown>;
        options.type = nested;
      } else if (rule.name && RULES[rule.name]) Object.assign(rule.each ? items : options, RULES[rule.name](rule.constraints ?? []));
    }
    if (Object.keys(items).length > 0) Object.assign(options, { type: 'array', items });
    const value = defaults?.[property];
    if (value !== undefined) options.default = value;
    const existing = Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES, target.prototype, property) as Options | undefined;
    ApiProperty({ ...options, ...existing })(target.prototype, property);
  }
}

function newInstance(target: Type<unknown>): Record<string, unknown> | undefined {
  try {
    return new target() as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
