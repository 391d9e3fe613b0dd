/**
 * JSON Schema as people read it in the API reference: `integer 1–200, default 50`, `"a" | "b"`,
 * `array of EventSummary`, instead of the raw schema object.
 */

export type JsonSchema = { [keyword: string]: unknown };

const isSchema = (value: unknown): value is JsonSchema =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A part of a rendered type: plain text, or the name of a component schema to link to. */
export type TypePart = string | { ref: string };

const refName = (ref: unknown) => (typeof ref === "string" ? (ref.split("/").pop() ?? ref) : "?");

/** zod states the safe-integer range on every integer; it says nothing to a reader. */
const bound = (value: unknown) =>
  typeof value === "number" && Math.abs(value) < Number.MAX_SAFE_INTEGER ? value : undefined;

function bounds(schema: JsonSchema, min: string, max: string, unit = ""): string {
  const low = bound(schema[min]);
  const high = bound(schema[max]);
  if (typeof low === "number" && typeof high === "number") return ` ${low}–${high}${unit}`;
  if (typeof low === "number") return ` ≥ ${low}${unit}`;
  if (typeof high === "number") return ` ≤ ${high}${unit}`;
  return "";
}

function core(schema: JsonSchema): TypePart[] {
  if (typeof schema.$ref === "string") return [{ ref: refName(schema.$ref) }];
  if ("const" in schema) return [JSON.stringify(schema.const)];
  if (Array.isArray(schema.enum)) return [schema.enum.map((value) => JSON.stringify(value)).join(" | ")];
  const alternatives = Array.isArray(schema.anyOf) ? schema.anyOf : schema.oneOf;
  if (Array.isArray(alternatives))
    return alternatives
      .filter(isSchema)
      .flatMap((alternative, index) => [...(index ? [" | "] : []), ...schemaType(alternative)]);
  if (Array.isArray(schema.type))
    return schema.type.flatMap((type, index) => [...(index ? [" | "] : []), ...core({ ...schema, type })]);
  switch (schema.type) {
    case "array":
      return ["array of ", ...(isSchema(schema.items) ? schemaType(schema.items) : ["any"])];
    case "object":
      if (isSchema(schema.properties)) return objectShape(schema.properties);
      if (isSchema(schema.additionalProperties))
        return ["map of string to ", ...schemaType(schema.additionalProperties)];
      return ["object"];
    case "string": {
      const format = typeof schema.format === "string" ? ` (${schema.format})` : "";
      return [`string${format}${bounds(schema, "minLength", "maxLength", " chars")}`];
    }
    case "integer":
    case "number":
      return [`${schema.type}${bounds(schema, "minimum", "maximum")}`];
    case "boolean":
    case "null":
      return [schema.type];
    default:
      return ["any"];
  }
}

/** `{ source: string, id: string }`: a nested object's fields inline. */
function objectShape(properties: JsonSchema): TypePart[] {
  const fields = Object.entries(properties).filter((entry): entry is [string, JsonSchema] =>
    isSchema(entry[1]),
  );
  return [
    "{ ",
    ...fields.flatMap(([name, field], index) => [`${index ? ", " : ""}${name}: `, ...schemaType(field)]),
    " }",
  ];
}

/** The schema's type in words, with its default when it has one. */
export function schemaType(schema: JsonSchema): TypePart[] {
  const parts = core(schema);
  return "default" in schema ? [...parts, `, default ${JSON.stringify(schema.default)}`] : parts;
}
