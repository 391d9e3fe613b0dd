/**
 * The `hmac` block of a source, for senders that are not presets. Refuses any config that would read an
 * event id or type from a header the signature does not cover: a captured request could then be replayed
 * under any id (a new event) or type (another route), and the signature would still match.
 */
import { z } from "zod";
import type { HmacScheme } from "../providers/hmac";

const HeaderName = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/, "expected an HTTP header name")
  .transform((name) => name.toLowerCase());

/** `payload.` then dot-separated keys, as in route filters: the parsed JSON body. */
const BodyPath = z
  .string()
  .regex(
    /^payload(\.[^.\s]+)+$/,
    "expected a path into the body such as `payload.job_id` (`payload.` is the parsed JSON body)",
  );

const HeaderRef = z.strictObject({ header: HeaderName });

/**
 * A body path as the presets declare untrusted text: `payload.` then dot-separated keys, each may end in
 * `[]` to mean every element of that array (`payload.comments[].body`).
 */
const UntrustedPath = z
  .string()
  .max(256)
  .regex(
    /^payload(\.[^.\s[\]]+(\[\])*)+$/,
    "expected a path into the body such as `payload.comment.body`, with `[]` after an array (`payload.items[].text`)",
  )
  .refine((path) => !path.split(/[.[\]]/).includes("__proto__"), '"__proto__" cannot be a path segment');

const TEMPLATE_PARTS = /\{([^{}]*)\}/g;

export const HmacSchemeInput = z
  .strictObject({
    /** The header carrying `<prefix><digest>` (several, space-separated, during a sender's rotation). */
    header: HeaderName,
    algorithm: z.enum(["SHA-1", "SHA-256", "SHA-512"]).default("SHA-256"),
    encoding: z.enum(["hex", "base64", "base64url"]).default("hex"),
    prefix: z.string().max(32).default(""),
    signedContent: z
      .string()
      .max(256)
      .default("{body}")
      .refine(
        (template) =>
          [...template.matchAll(TEMPLATE_PARTS)].every(([, name]) =>
            /^(body|timestamp|id)$/.test(name ?? ""),
          ),
        "only {body}, {timestamp} and {id} may appear in braces",
      )
      .refine(
        (template) => template.split("{body}").length === 2,
        "must contain {body} exactly once: a signature that does not cover the body proves nothing about it",
      ),
    /** `null`, or the header holding the signed time and how it is written. */
    timestampHeader: z
      .strictObject({ name: HeaderName, format: z.enum(["unix", "unix_ms", "iso8601"]) })
      .nullable()
      .default(null),
    /** How far the timestamp may be from now, in both directions. */
    toleranceSeconds: z.number().int().positive().max(86_400).default(300),
    id: z.union([z.array(BodyPath).min(1).max(8), HeaderRef]).optional(),
    type: z.union([z.literal("unknown"), BodyPath, HeaderRef]).default("unknown"),
    /** Payload paths of text that third parties write; the envelope lists those present in `untrusted`. */
    untrustedPaths: z.array(UntrustedPath).max(64).optional(),
  })
  .superRefine((scheme, context) => {
    const signs = (placeholder: string) => scheme.signedContent.includes(placeholder);
    const issue = (path: string, message: string) =>
      context.addIssue({ code: "custom", path: [path], message });
    if (scheme.timestampHeader && !signs("{timestamp}"))
      issue(
        "timestampHeader",
        "the signature does not cover this header: add {timestamp} to signedContent, or set timestampHeader to null (an unsigned time can be rewritten, so it guards against nothing)",
      );
    if (!scheme.timestampHeader && signs("{timestamp}"))
      issue("signedContent", "{timestamp} needs a timestampHeader to read it from");
    const idHeader = scheme.id && "header" in scheme.id ? scheme.id.header : null;
    if (idHeader !== null && !signs("{id}"))
      issue(
        "id",
        `the signature does not cover header ${idHeader}: add {id} to signedContent, or read the id from body paths (a replayed request could otherwise claim any id and pass as a new event)`,
      );
    if (idHeader === null && signs("{id}"))
      issue("signedContent", "{id} needs id: { header } to read it from");
    if (typeof scheme.type === "object")
      issue(
        "type",
        `the signature does not cover header ${scheme.type.header} as a type: read the type from a body path or use "unknown" (a replayed request could otherwise change its type and reach other routes)`,
      );
  })
  .transform(
    (scheme): HmacScheme => ({
      ...scheme,
      // Unreachable: the refinement above refuses a type read from a header.
      type: typeof scheme.type === "object" ? "unknown" : scheme.type,
    }),
  );
