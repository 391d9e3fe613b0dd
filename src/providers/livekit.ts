/**
 * LiveKit (rooms, egress, ingress, Agents): `Authorization: <JWT>` signed HS256 with the API secret, whose
 * `sha256` claim is the base64 SHA-256 of the raw body; the token is valid for 5 minutes (`nbf` … `exp`), as
 * LiveKit's webhook notifier issues it. Only HMAC-SHA256 is tried, whatever the token's header names, so a
 * token cannot pick its own algorithm. The `iss` claim (the API key) is not checked: the secret is what proves
 * the sender. Id: body `id` (`EV_…`, covered by the `sha256` claim), else the body digest; type: body `event`.
 * Docs: https://docs.livekit.io/home/server/webhooks/ (receiver: livekit-server-sdk `WebhookReceiver`)
 */
import { z } from "zod";
import { stringField } from "../normalize/read-body";
import { base64ToBytes, base64UrlToBytes, utf8 } from "../verify/encoding";
import { bytesEqual, hmacMatchesAny } from "../verify/hmac";
import { err, ok, type VerifyResult, verified } from "../verify/result";
import { checkFreshness } from "../verify/timestamp";
import { type Provider, utf8Secret } from "./provider";

const HEADER = "authorization";
const BASE64URL = /^[A-Za-z0-9_-]+$/;

const Claims = z.object({ sha256: z.string(), nbf: z.number().int(), exp: z.number().int() });

function claimsOf(segment: string): z.infer<typeof Claims> | null {
  const bytes = base64UrlToBytes(segment);
  if (!bytes) return null;
  try {
    const parsed = Claims.safeParse(
      JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes)),
    );
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export const livekit: Provider = {
  scheme: "livekit-jwt-hs256",
  signed: ["timestamp", "body"],
  // Room and participant names come from the tokens your app issues.
  untrustedPaths: [],
  defaultToleranceSeconds: 300,
  decodeSecret: utf8Secret,

  async verify({ request, secrets, nowSeconds, toleranceSeconds }): Promise<VerifyResult> {
    const token = request.headers.get(HEADER);
    if (token === null) return err({ reason: "missing_header", header: HEADER });
    const [header = "", payload = "", signature = "", ...rest] = token.split(".");
    const digest = base64UrlToBytes(signature);
    if (rest.length > 0 || !BASE64URL.test(header) || !BASE64URL.test(payload) || digest?.length !== 32)
      return err({ reason: "malformed_header", header: HEADER });
    if (!(await hmacMatchesAny("SHA-256", secrets, utf8.encode(`${header}.${payload}`), [digest])))
      return err({ reason: "bad_signature" });
    const claims = claimsOf(payload);
    const claimed = claims && base64ToBytes(claims.sha256);
    if (!claims || claimed?.length !== 32) return err({ reason: "malformed_header", header: HEADER });
    if (claims.exp < nowSeconds) return err({ reason: "stale", ts: claims.exp, now: nowSeconds });
    const fresh = checkFreshness(claims.nbf, nowSeconds, toleranceSeconds);
    if (!fresh.ok) return fresh;
    const body = new Uint8Array(await crypto.subtle.digest("SHA-256", request.body));
    return bytesEqual(body, claimed) ? verified : err({ reason: "bad_signature" });
  },

  identify(_request, body) {
    const event = body.json();
    if (event === undefined) return err({ reason: "invalid_body", detail: "LiveKit events are JSON" });
    return ok({
      id: stringField(event, "id"),
      type: stringField(event, "event") ?? "unknown",
      payload: event,
    });
  },
};
