/**
 * Reusable pieces of the OpenAPI document: components generated from zod (with `$ref`s between them and
 * no `$schema` noise), response headers, and the security schemes of the ingress signatures.
 */
import { type ZodType, z } from "zod";

/** JSON Schema keywords that only matter to a standalone schema file, not inside an OpenAPI document. */
function withoutSchemaKeywords(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

/** One JSON Schema per named zod schema; a schema nested in another named one becomes a `$ref`. */
export function componentSchemas(named: Record<string, ZodType>, io: "input" | "output") {
  const registry = z.registry<{ id: string }>();
  for (const [id, type] of Object.entries(named)) registry.add(type, { id });
  const { schemas } = z.toJSONSchema(registry, {
    io,
    unrepresentable: "any",
    uri: (id) => `#/components/schemas/${id}`,
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => [id, withoutSchemaKeywords(schema)]),
  );
}

/** An inline JSON Schema for a parameter. */
export const inlineSchema = (type: ZodType) =>
  withoutSchemaKeywords(z.toJSONSchema(type, { io: "input", unrepresentable: "any" }));

/** Query parameters from a zod object schema (unknown parameters are refused with 400). */
export function queryParameters(type: z.ZodObject) {
  return Object.entries(type.shape).map(([name, field]) => {
    const schema = inlineSchema(field as ZodType);
    const { description, ...rest } = schema;
    return {
      name,
      in: "query",
      required: !(field as ZodType).safeParse(undefined).success,
      ...(typeof description === "string" ? { description } : {}),
      schema: rest,
    };
  });
}

export const responseHeaders = {
  RetryAfter: {
    description: "Seconds to wait before trying again.",
    schema: { type: "integer", minimum: 0 },
  },
  Allow: { description: "The methods this path accepts.", schema: { type: "string" } },
  WWWAuthenticate: {
    description: "The authentication scheme to use: `Bearer`.",
    schema: { type: "string" },
  },
} as const;

type HeaderName = keyof typeof responseHeaders;
const headerNames: Record<HeaderName, string> = {
  RetryAfter: "Retry-After",
  Allow: "Allow",
  WWWAuthenticate: "WWW-Authenticate",
};

/** A problem+json response, with the response headers it carries. */
export function problem(description: string, headers: HeaderName[] = []) {
  return {
    description,
    ...(headers.length
      ? {
          headers: Object.fromEntries(
            headers.map((name) => [headerNames[name], { $ref: `#/components/headers/${name}` }]),
          ),
        }
      : {}),
    content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
  };
}

export const json = (description: string, ref: string) => ({
  description,
  content: { "application/json": { schema: { $ref: `#/components/schemas/${ref}` } } },
});

/**
 * The ingress signature headers of the core sources, one security scheme each; a request needs the one
 * of its source. Other provider presets verify their own documented headers (see the README's table).
 */
const signatureHeaders = {
  githubSignature: ["X-Hub-Signature-256", "GitHub: `sha256=` HMAC of the body"],
  stripeSignature: ["Stripe-Signature", "Stripe: `t=<timestamp>,v1=<HMAC>`"],
  slackSignature: ["X-Slack-Signature", "Slack: `v0=` HMAC, with `X-Slack-Request-Timestamp`"],
  shopifySignature: ["X-Shopify-Hmac-Sha256", "Shopify: base64 HMAC of the body"],
  standardWebhooksSignature: [
    "webhook-signature",
    "[Standard Webhooks](https://www.standardwebhooks.com/): `v1,<HMAC>` (or `v1a,` Ed25519), with `webhook-id` and `webhook-timestamp`",
  ],
  genericSignature: ["X-Webhook-Signature", "generic: hex HMAC-SHA256 of the body"],
} as const;

export const signatureSchemes = Object.fromEntries(
  Object.entries(signatureHeaders).map(([id, [name, description]]) => [
    id,
    { type: "apiKey", in: "header", name, description: `${description}. Verified with the source's secret.` },
  ]),
);

/** Any one of the signature schemes (OpenAPI: alternatives). */
export const signatureSecurity = Object.keys(signatureHeaders).map((id) => ({ [id]: [] }));
