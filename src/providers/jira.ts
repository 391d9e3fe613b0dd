/**
 * Jira Cloud admin webhooks registered with a secret: `X-Hub-Signature: sha256=<hex HMAC-SHA256 of body>`
 * (WebSub's `method=signature`). Nothing is timed, so replays are stopped by deduplicating
 * `X-Atlassian-Webhook-Identifier`, which stays the same across retries. Type: body `webhookEvent`.
 * Docs: https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks
 */

import { stringField } from "../normalize/read-body";
import { bodyHmacVerifier } from "../verify/body-hmac";
import { err, ok } from "../verify/result";
import { type Provider, signedBody, utf8Secret } from "./provider";

export const jira: Provider = {
  scheme: "jira-hmac-sha256",
  signed: ["body"],
  untrustedPaths: [
    "payload.issue.fields.summary",
    "payload.issue.fields.description",
    "payload.comment.body",
    "payload.issue.fields.comment.comments[].body",
  ],
  decodeSecret: utf8Secret,
  signedContent: signedBody,

  verify: bodyHmacVerifier({
    header: "x-hub-signature",
    hash: "SHA-256",
    encoding: "hex",
    prefix: "sha256=",
  }),

  identify(request, body) {
    const event = body.json();
    if (event === undefined) return err({ reason: "invalid_body", detail: "Jira webhooks are JSON" });
    // Without the header (it is always sent) the body digest stands in.
    const id = request.headers.get("x-atlassian-webhook-identifier") || undefined;
    return ok({ id, type: stringField(event, "webhookEvent") ?? "unknown", payload: event });
  },
};
