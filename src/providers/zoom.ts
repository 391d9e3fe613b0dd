/**
 * Zoom: `x-zm-signature: v0=<hex HMAC-SHA256("v0:<ts>:<body>")>` with `x-zm-request-timestamp`, 300 s
 * tolerance, keyed with the app's Secret Token. Answers `endpoint.url_validation` with the plain token
 * and its HMAC under the current secret.
 * Docs: https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events
 */

import { stringField } from "../normalize/read-body";
import { bytesToHex, utf8 } from "../verify/encoding";
import { v0SignatureVerifier } from "../verify/header-timestamp-hmac";
import { hmacSign } from "../verify/hmac";
import { err, ok } from "../verify/result";
import { type Provider, utf8Secret } from "./provider";

const SIGNATURE = "x-zm-signature";
const TIMESTAMP = "x-zm-request-timestamp";

export const zoom: Provider = {
  scheme: "zoom-v0",
  signed: ["timestamp", "body"],
  untrustedPaths: ["payload.payload.object.topic", "payload.payload.object.agenda"],
  defaultToleranceSeconds: 300,
  decodeSecret: utf8Secret,

  verify: v0SignatureVerifier(SIGNATURE, TIMESTAMP),

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
