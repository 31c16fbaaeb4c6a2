import type { ReferenceObject, SchemaObject } from '@nestjs/swagger';
import type { JsonSchema } from '@dinmeter/shared';

/** Small builders for the response schemas of the OpenAPI document (OpenAPI 3.0 schema objects). */
export type Schema = SchemaObject | ReferenceObject;

/** An object; keys ending in `?` are optional. */
export function object(properties: Record<string, Schema>, description?: string): Schema {
  const entries = Object.entries(properties).map(([key, schema]) => [key.replace(/\?$/, ''), schema, !key.endsWith('?')] as const);
  const required = entries.filter(([, , needed]) => needed).map(([key]) => key);
  return {
    type: 'object',
    ...(description ? { description } : {}),
    properties: Object.fromEntries(entries.map(([key, schema]) => [key, schema])),
    ...(required.length > 0 ? { required } : {}),
  };
}

export const array = (items: Schema, description?: string): Schema => ({ type: 'array', items, ...(description ? { description } : {}) });
export const nullable = (schema: Schema): Schema => ({ ...schema, nullable: true });
export const oneOf = (...values: string[]): Schema => ({ type: 'string', enum: values });
export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
/** A shared protocol schema (shared/src/protocol) as an OpenAPI schema. */
export const fromShared = (schema: { jsonSchema(): JsonSchema }): SchemaObject => schema.jsonSchema() as SchemaObject;
/** A part of a shared schema, by property names and `items`: sharedPart(relaysSchema, 'circuits', 'items'). */
export function sharedPart(schema: { jsonSchema(): JsonSchema }, ...path: string[]): SchemaObject {
  let out: JsonSchema = schema.jsonSchema();
  for (const key of path) out = (key === 'items' ? out.items : (out.properties as Record<string, JsonSchema>)[key]) as JsonSchema;
  return out as SchemaObject;
}

export const str: Schema = { type: 'string' };
export const num: Schema = { type: 'number' };
export const int: Schema = { type: 'integer' };
export const bool: Schema = { type: 'boolean' };
export const isoTime: Schema = { type: 'string', format: 'date-time' };
export const epochMs: Schema = { type: 'integer', description: 'ms since the Unix epoch (UTC)' };
