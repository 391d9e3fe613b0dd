/**
 * Slack: `X-Slack-Signature: v0=<hex HMAC-SHA256("v0:<ts>:<body>")>` with `X-Slack-Request-Timestamp`,
 * 300 s tolerance. Answers the `url_verification` challenge once the signature checks out.
 * Docs: https://api.slack.com/authentication/verifying-requests-from-slack
 */

import { type ReadBody, stringField } from "../normalize/read-body";
import { v0SignatureVerifier } from "../verify/header-timestamp-hmac";
import { err, ok } from "../verify/result";
import { type Provider, utf8Secret } from "./provider";

const SIGNATURE = "x-slack-signature";
const TIMESTAMP = "x-slack-request-timestamp";

const isJsonObject = (value: unknown): boolean =>
  typeof value === "object" && value !== null && !Array.isArray(value);

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
  scheme: "slack-v0",
  signed: ["timestamp", "body"],
  untrustedPaths: [
    "payload.event.text",
    "payload.event.blocks",
    "payload.event.attachments",
    "payload.event.message.text",
    "payload.event.previous_message.text",
    "payload.text",
    "payload.message.text",
    "payload.view.state.values",
  ],
  defaultToleranceSeconds: 300,
  decodeSecret: utf8Secret,

  verify: v0SignatureVerifier(SIGNATURE, TIMESTAMP),

  identify(request, body) {
    const event = body.json();
    // A JSON object is an Events API body whatever the unsigned Content-Type says (a form never parses as
    // one): re-sent "as a form", a captured event would lose its event_id and be accepted again.
    const isForm =
      !isJsonObject(event) &&
      request.headers.get("content-type")?.startsWith("application/x-www-form-urlencoded");
    if (isForm) {
      const payload = formPayload(body);
      if (payload === undefined) return err({ reason: "invalid_body", detail: "unreadable Slack form body" });
      const type =
        stringField(payload, "type") ?? (stringField(payload, "command") ? "slash_command" : "unknown");
      // Interactivity payloads have no delivery id; the body digest deduplicates Slack's retries.
      return ok({ type, payload });
    }
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
