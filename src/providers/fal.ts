/**
 * fal.ai: Ed25519 over `<request id>\n<user id>\n<timestamp>\n<hex SHA-256 of the body>`, hex in
 * `X-Fal-Webhook-Signature`, with `X-Fal-Webhook-Request-Id`, `-User-Id` and `-Timestamp` (Unix seconds,
 * 300 s both ways). The keys are fal's published JWKS: set `FAL_PUBLIC_KEY` to its URL,
 * `https://rest.alpha.fal.ai/.well-known/jwks.json` (fetched and cached 24 h, see fal-key-set.ts), or pin one
 * base64url Ed25519 key (a JWK's `x`) for local development. Id: the signed request id (fal's retries
 * repeat it); type: `request.<status>` from the body (`request.ok`, `request.error`).
 * Docs: https://docs.fal.ai/model-apis/model-endpoints/webhooks#verifying-your-webhook
 */
import { stringField } from "../normalize/read-body";
import { base64UrlToBytes, bytesToHex, concatBytes, hexToBytes, utf8 } from "../verify/encoding";
import type { SecretBytes } from "../verify/hmac";
import { type PublicKeyBytes, signatureMatchesAny } from "../verify/public-key";
import { err, ok, type VerifyResult, verified } from "../verify/result";
import { checkFreshness, parseUnixSeconds } from "../verify/timestamp";
import { fetchKeySet, type KeySetFetcher, keySetCache } from "./fal-key-set";
import type { Provider } from "./provider";

const HEADERS = {
  requestId: "x-fal-webhook-request-id",
  userId: "x-fal-webhook-user-id",
  timestamp: "x-fal-webhook-timestamp",
  signature: "x-fal-webhook-signature",
} as const;

/** The first byte of a decoded `FAL_PUBLIC_KEY` says what follows: a pinned key, or a key set URL. */
const PINNED_KEY = 1;
const KEY_SET_URL = 2;

/** A key set `https://` URL, or a pinned base64url Ed25519 key; null otherwise. */
function decodeFalKey(value: string): SecretBytes | null {
  if (value.startsWith("https://")) {
    try {
      return concatBytes(new Uint8Array([KEY_SET_URL]), new URL(value).href);
    } catch {
      return null;
    }
  }
  const key = base64UrlToBytes(value);
  return key?.length === 32 ? concatBytes(new Uint8Array([PINNED_KEY]), key) : null;
}

/** Builds the preset around a key set fetcher (the network in production, a stub in tests). */
export function falPreset(fetcher: KeySetFetcher = fetchKeySet): Provider {
  const keySets = keySetCache(fetcher);
  const text = new TextDecoder();

  return {
    scheme: "fal-ed25519",
    signed: ["id", "user_id", "timestamp", "body"],
    keyKind: "publicKey",
    defaultToleranceSeconds: 300,
    decodeSecret: decodeFalKey,

    async verify({ request, secrets, nowSeconds, toleranceSeconds }): Promise<VerifyResult> {
      const h = request.headers;
      const missing = Object.values(HEADERS).find((name) => !h.has(name));
      if (missing) return err({ reason: "missing_header", header: missing });
      const requestId = h.get(HEADERS.requestId) ?? "";
      const userId = h.get(HEADERS.userId) ?? "";
      const timestamp = h.get(HEADERS.timestamp) ?? "";
      const signature = h.get(HEADERS.signature) ?? "";
      const seconds = parseUnixSeconds(timestamp);
      if (seconds === null) return err({ reason: "malformed_header", header: HEADERS.timestamp });
      const signatureBytes = hexToBytes(signature);
      if (signatureBytes?.length !== 64)
        return err({ reason: "malformed_header", header: HEADERS.signature });
      const fresh = checkFreshness(seconds, nowSeconds, toleranceSeconds);
      if (!fresh.ok) return fresh;

      const digest = bytesToHex(await crypto.subtle.digest("SHA-256", request.body));
      const message = utf8.encode(`${requestId}\n${userId}\n${timestamp}\n${digest}`);
      const matches = (keys: readonly PublicKeyBytes[]) =>
        signatureMatchesAny("Ed25519", keys, message, [signatureBytes]);

      const pinned = secrets.filter((secret) => secret[0] === PINNED_KEY).map((secret) => secret.subarray(1));
      const urls = secrets
        .filter((secret) => secret[0] === KEY_SET_URL)
        .map((secret) => text.decode(secret.subarray(1)));
      if (await matches(pinned)) return verified;
      for (const url of urls) if (await matches(await keySets.keys(url, nowSeconds))) return verified;
      for (const url of urls) {
        const refetched = keySets.refetch(url, nowSeconds);
        if (refetched && (await matches(await refetched))) return verified;
      }
      return err({ reason: "bad_signature" });
    },

    identify(request, body) {
      const id = request.headers.get(HEADERS.requestId);
      if (!id)
        return err({ reason: "missing_event_id", detail: "X-Fal-Webhook-Request-Id header is required" });
      const result = body.json();
      if (result === undefined) return err({ reason: "invalid_body", detail: "fal webhooks are JSON" });
      const status = stringField(result, "status")?.toLowerCase();
      return ok({ id, type: status ? `request.${status}` : "unknown", payload: result });
    },
  };
}

export const fal: Provider = {
  ...falPreset(),
  untrustedPaths: ["payload.payload", "payload.error"],
};
