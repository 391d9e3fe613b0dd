/**
 * Slack: `X-Slack-Signature: v0=<hex HMAC-SHA256("v0:<ts>:<body>")>` with `X-Slack-Request-Timestamp`,
 * 300 s tolerance. Answers the `url_verification` challenge once the signature checks out.
 * Docs: https://api.slack.com/authentication/verifying-requests-from-slack
 */

import { type ReadBody, stringField } from "../normalize/read-body";
import { concatBytes, hexToBytes } from "../verify/encoding";
import { hmacMatchesAny } from "../verify/hmac";
import { err, ok, verified } from "../verify/result";
import { checkFreshness, parseUnixSeconds } from "../verify/timestamp";
import { type Provider, utf8Secret } from "./provider";

const SIGNATURE = "x-slack-signature";
const TIMESTAMP = "x-slack-request-timestamp";

/** Interactivity and slash-command requests are form-encoded; interactivity carries JSON in `payload`. */
function formPayload(body: ReadBody): unknown {
  const form = body.form();
  const payload = form?.get("payload");
  if (payload) {
    try {
      return JSON.parse(payload);
    } catch {
      return undefined;
    }
  }
  return form ? Object.fromEntries(form) : undefined;
}

export const slack: Provider = {
  scheme: "X-Slack-Signature: v0=<hex HMAC-SHA256 of `v0:ts:body`>",
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
    const signed = concatBytes(`v0:${timestamp}:`, request.body);
    return (await hmacMatchesAny("SHA-256", secrets, signed, [signature]))
      ? verified
      : err({ reason: "bad_signature" });
  },

  identify(request, body) {
    const isForm = request.headers.get("content-type")?.startsWith("application/x-www-form-urlencoded");
    if (isForm) {
      const payload = formPayload(body);
      if (payload === undefined) return err({ reason: "invalid_body", detail: "unreadable Slack form body" });
      const type =
        stringField(payload, "type") ?? (stringField(payload, "command") ? "slash_command" : "unknown");
      // Interactivity payloads have no delivery id; the body digest deduplicates Slack's retries.
      return ok({ type, payload });
    }
    const event = body.json();
    if (event === undefined) return err({ reason: "invalid_body", detail: "Slack events are JSON" });
    const type = stringField(event, "event", "type") ?? stringField(event, "type") ?? "unknown";
    return ok({ id: stringField(event, "event_id"), type, payload: event });
  },

  handshake(_request, body) {
    const event = body.json();
    if (stringField(event, "type") !== "url_verification") return null;
    const challenge = stringField(event, "challenge") ?? "";
    return { status: 200, contentType: "application/json", body: JSON.stringify({ challenge }) };
  },
};
