/**
 * Property tests over every provider preset: for arbitrary headers and bodies a verifier never throws
 * and never accepts a request that was not signed with the configured secret.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { providers } from "../../src/providers";
import type { Provider } from "../../src/providers/provider";
import { signedRequest } from "../support/verify-with";

const NOW = 1_700_000_000;
/** A structurally valid key for each kind, so verifiers get as far as the signature check. */
const SECRET_CANDIDATES = ["fuzz-secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "user:password"];

function keysFor(provider: Provider): Uint8Array[] {
  for (const candidate of SECRET_CANDIDATES) {
    const key = provider.decodeSecret(candidate);
    if (key) return [key];
  }
  return [crypto.getRandomValues(new Uint8Array(32))];
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
);
const headerValue = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.constant(`t=${NOW},v1=${"a".repeat(64)}`),
  fc.constant(`sha256=${"0".repeat(64)}`),
  fc.constant(String(NOW)),
  fc.constant(new Date(NOW * 1000).toISOString()),
  fc.constant("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
);
const headers = fc.dictionary(
  headerName,
  headerValue.map((v) => v.replace(/[\r\n\0]/g, "")),
  { maxKeys: 8 },
);
const body = fc.oneof(
  fc.uint8Array({ maxLength: 512 }),
  fc.json().map((j) => new TextEncoder().encode(j)),
);

const signedProviders = Object.entries(providers).filter(([name]) => name !== "unsigned");

describe("every verifier, on arbitrary input", () => {
  it.each(signedProviders)(
    "%s never throws and never accepts an unsigned request",
    async (_name, provider) => {
      const secrets = keysFor(provider);
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
