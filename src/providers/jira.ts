/**
 * Jira Cloud admin webhooks registered with a secret: `X-Hub-Signature: sha256=<hex HMAC-SHA256 of body>`
 * (WebSub's `method=signature`). Nothing is timed, so replays are stopped by deduplicating
 * `X-Atlassian-Webhook-Identifier`, which stays the same across retries. Type: body `webhookEvent`.
 * Docs: https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks
 */

import { stringField } from "../normalize/read-body";
import { hexToBytes } from "../verify/encoding";
import { hmacMatchesAny } from "../verify/hmac";
import { err, ok, verified } from "../verify/result";
import { type Provider, utf8Secret } from "./provider";

const SIGNATURE = "x-hub-signature";

export const jira: Provider = {
  scheme: "X-Hub-Signature: sha256=<hex HMAC-SHA256 of body>",
  decodeSecret: utf8Secret,

  async verify({ request, secrets }) {
    const header = request.headers.get(SIGNATURE);
    if (header === null) return err({ reason: "missing_header", header: SIGNATURE });
    const signature = header.startsWith("sha256=") ? hexToBytes(header.slice(7)) : null;
    if (signature?.length !== 32) return err({ reason: "malformed_header", header: SIGNATURE });
    const matches = await hmacMatchesAny("SHA-256", secrets, request.body, [signature]);
    return matches ? verified : err({ reason: "bad_signature" });
  },

  identify(request, body) {
    const event = body.json();
    if (event === undefined) return err({ reason: "invalid_body", detail: "Jira webhooks are JSON" });
    // Without the header (it is always sent) the body digest stands in.
    const id = request.headers.get("x-atlassian-webhook-identifier") || undefined;
    return ok({ id, type: stringField(event, "webhookEvent") ?? "unknown", payload: event });
  },
};
