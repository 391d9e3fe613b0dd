/**
 * Zoom: `x-zm-signature: v0=<hex HMAC-SHA256("v0:<ts>:<body>")>` with `x-zm-request-timestamp`, 300 s
 * tolerance, keyed with the app's Secret Token. Answers `endpoint.url_validation` with the plain token
 * and its HMAC under the current secret.
 * Docs: https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events
 */

import { stringField } from "../normalize/read-body";
import { bytesToHex, concatBytes, hexToBytes, utf8 } from "../verify/encoding";
import { hmacMatchesAny, hmacSign } from "../verify/hmac";
import { err, ok, verified } from "../verify/result";
import { checkFreshness, parseUnixSeconds } from "../verify/timestamp";
import { type Provider, utf8Secret } from "./provider";

const SIGNATURE = "x-zm-signature";
const TIMESTAMP = "x-zm-request-timestamp";

export const zoom: Provider = {
  scheme: "x-zm-signature: v0=<hex HMAC-SHA256 of `v0:ts:body`>",
  defaultToleranceSeconds: 300,
  decodeSecret: utf8Secret,

  async verify({ request, secrets, nowSeconds, toleranceSeconds }) {
    const header = request.headers.get(SIGNATURE);
    if (header === null) return err({ reason: "missing_header", header: SIGNATURE });
    const rawTimestamp = request.headers.get(TIMESTAMP);
    if (rawTimestamp === null) return err({ reason: "missing_header", header: TIMESTAMP });
    const timestamp = parseUnixSeconds(rawTimestamp);
    if (timestamp === null) return err({ reason: "malformed_header", header: TIMESTAMP });
    const signature = header.startsWith("v0=") ? hexToBytes(header.slice(3)) : null;
    if (signature?.length !== 32) return err({ reason: "malformed_header", header: SIGNATURE });
    const fresh = checkFreshness(timestamp, nowSeconds, toleranceSeconds);
    if (!fresh.ok) return fresh;
    const signed = concatBytes(`v0:${rawTimestamp}:`, request.body);
    return (await hmacMatchesAny("SHA-256", secrets, signed, [signature]))
      ? verified
      : err({ reason: "bad_signature" });
  },

  identify(_request, body) {
    const event = body.json();
    if (event === undefined) return err({ reason: "invalid_body", detail: "Zoom events are JSON" });
    // Zoom sends no delivery id; its retries repeat the body, so the body digest deduplicates them.
    return ok({ type: stringField(event, "event") ?? "unknown", payload: event });
  },

  async handshake(_request, body, secrets) {
    const event = body.json();
    const current = secrets[0];
    if (stringField(event, "event") !== "endpoint.url_validation" || !current) return null;
    const plainToken = stringField(event, "payload", "plainToken") ?? "";
    const encryptedToken = bytesToHex(await hmacSign("SHA-256", current, utf8.encode(plainToken)));
    return {
      status: 200,
      contentType: "application/json",
      body: JSON.stringify({ plainToken, encryptedToken }),
    };
  },
};
