/**
 * Property tests over every provider preset: for arbitrary headers and bodies a verifier never throws
 * and never accepts a request that was not signed with the configured secret.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { providers } from "../../src/providers";
import type { Provider } from "../../src/providers/provider";
import { signedRequest } from "../support/verify-with";

const NOW = 1_700_000_000;
/**
 * A valid key for each kind, so verifiers get as far as the signature check: HMAC secrets, and real
 * Ed25519 and P-256 public keys in the encodings the public-key presets read (hex, `whpk_`, base64 SPKI, base64url).
 */
const keyCandidates = ["fuzz-secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "user:password"];

async function publicKey(
  params: { name: "Ed25519" } | { name: "ECDSA"; namedCurve: "P-256" },
  format: "raw" | "spki",
) {
  const pair = await crypto.subtle.generateKey(params, true, ["sign", "verify"]);
  if (!("publicKey" in pair)) throw new Error("expected a key pair");
  const exported = await crypto.subtle.exportKey(format, pair.publicKey);
  if (!(exported instanceof ArrayBuffer)) throw new Error("expected key bytes");
  return Buffer.from(exported);
}

beforeAll(async () => {
  const ed25519 = await publicKey({ name: "Ed25519" }, "raw");
  const p256 = await publicKey({ name: "ECDSA", namedCurve: "P-256" }, "spki");
  keyCandidates.push(
    ed25519.toString("hex"),
    `whpk_${ed25519.toString("base64")}`,
    p256.toString("base64"),
    ed25519.toString("base64url"),
  );
});

function keysFor(name: string, provider: Provider): Uint8Array[] {
  for (const candidate of keyCandidates) {
    const key = provider.decodeSecret(candidate);
    if (key) return [key];
  }
  throw new Error(`no key candidate decodes for ${name}: add one in its format`);
}

const headerName = fc.constantFrom(
  "x-hub-signature-256",
  "x-hub-signature",
  "stripe-signature",
  "x-slack-signature",
  "x-slack-request-timestamp",
  "webhook-id",
  "webhook-timestamp",
  "webhook-signature",
  "svix-id",
  "svix-timestamp",
  "svix-signature",
  "x-webhook-signature",
  "authorization",
  "content-type",
  "x-signature-ed25519",
  "x-signature-timestamp",
  "x-twilio-signature",
  "x-zm-signature",
  "x-zm-request-timestamp",
  "paddle-signature",
  "linear-signature",
  "x-signature",
  "x-hubspot-signature-v3",
  "x-hubspot-request-timestamp",
  "x-square-hmacsha256-signature",
  "x-pagerduty-signature",
  "typeform-signature",
  "x-gitlab-token",
  "x-vercel-signature",
  "calendly-webhook-signature",
  "sentry-hook-signature",
  "x-notion-signature",
  "x-zendesk-webhook-signature",
  "x-zendesk-webhook-signature-timestamp",
  "twitch-eventsub-message-signature",
  "twitch-eventsub-message-id",
  "twitch-eventsub-message-timestamp",
  "x-twilio-email-event-webhook-signature",
  "x-twilio-email-event-webhook-timestamp",
  "workos-signature",
  "mux-signature",
  "elevenlabs-signature",
  "x-retell-signature",
  "x-firecrawl-signature",
  "x-fal-webhook-request-id",
  "x-fal-webhook-user-id",
  "x-fal-webhook-timestamp",
  "x-fal-webhook-signature",
);
const headerValue = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.constant(`t=${NOW},v1=${"a".repeat(64)}`),
  fc.constant(`sha256=${"0".repeat(64)}`),
  fc.constant(String(NOW)),
  fc.constant(new Date(NOW * 1000).toISOString()),
  fc.constant("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
);
const anyHeaders = fc.dictionary(
  headerName,
  headerValue.map((v) => v.replace(/[\r\n\0]/g, "")),
  { maxKeys: 8 },
);
/** A strict-DER ECDSA signature (two minimal positive 32-byte integers), as SendGrid sends it. */
const derSignature = fc
  .tuple(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }))
  .map(([r, s]) => {
    const integer = (n: Uint8Array) => [0x02, 32, (n[0]! % 0x7f) + 1, ...n.subarray(1)];
    return Buffer.from([0x30, 68, ...integer(r), ...integer(s)]).toString("base64");
  });
const ed25519Signature = fc.uint8Array({ minLength: 64, maxLength: 64 }).map((b) => Buffer.from(b));
/** Fresh, well-formed public-key signature headers, so those verifiers reach the signature check. */
const publicKeyHeaders = fc.record({
  "x-twilio-email-event-webhook-signature": derSignature,
  "x-twilio-email-event-webhook-timestamp": fc.constant(String(NOW)),
  "x-signature-ed25519": ed25519Signature.map((b) => b.toString("hex")),
  "x-signature-timestamp": fc.constant(String(NOW)),
  "webhook-id": fc.constant("msg_fuzz"),
  "webhook-timestamp": fc.constant(String(NOW)),
  "webhook-signature": ed25519Signature.map((b) => `v1a,${b.toString("base64")}`),
  "x-fal-webhook-request-id": fc.constant("req_fuzz"),
  "x-fal-webhook-user-id": fc.constant("user_fuzz"),
  "x-fal-webhook-timestamp": fc.constant(String(NOW)),
  "x-fal-webhook-signature": ed25519Signature.map((b) => b.toString("hex")),
});
const headers = fc.oneof(anyHeaders, publicKeyHeaders);
const body = fc.oneof(
  fc.uint8Array({ maxLength: 512 }),
  fc.json().map((j) => new TextEncoder().encode(j)),
);

const signedProviders = Object.entries(providers).filter(([name]) => name !== "unsigned");

describe("every verifier, on arbitrary input", () => {
  it.each(signedProviders)(
    "%s never throws and never accepts an unsigned request",
    async (name, provider) => {
      const secrets = keysFor(name, provider);
      await fc.assert(
        fc.asyncProperty(headers, body, async (h, b) => {
          const request = signedRequest({ headers: h, body: b });
          const result = await provider.verify({ request, secrets, nowSeconds: NOW, toleranceSeconds: 300 });
          expect(result.ok).toBe(false);
          if (!result.ok) expect(typeof result.error.reason).toBe("string");
        }),
        { numRuns: 150 },
      );
    },
  );
});
