/**
 * Bitbucket Cloud: `X-Hub-Signature: sha256=<hex HMAC-SHA256(webhook secret, body)>`. Nothing is timed.
 * Id: `X-Request-UUID`; type: `X-Event-Key` (`repo:push`, `pullrequest:created`).
 * Docs: https://support.atlassian.com/bitbucket-cloud/docs/manage-webhooks/#Secure-webhooks
 */

import { defaultPayload } from "../normalize/read-body";
import { bodyHmacVerifier } from "../verify/body-hmac";
import { err, ok } from "../verify/result";
import { type Provider, signedBody, utf8Secret } from "./provider";

export const bitbucket: Provider = {
  scheme: "bitbucket-hmac-sha256",
  signed: ["body"],
  untrustedPaths: [
    "payload.push.changes[].new.target.message",
    "payload.push.changes[].commits[].message",
    "payload.pullrequest.title",
    "payload.pullrequest.description",
    "payload.comment.content.raw",
    "payload.issue.title",
    "payload.issue.content.raw",
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
    const id = request.headers.get("x-request-uuid");
    if (!id) return err({ reason: "missing_event_id", detail: "X-Request-UUID header is required" });
    const type = request.headers.get("x-event-key") || "unknown";
    return ok({ id, type, payload: defaultPayload(body) });
  },
};
