/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(raw body)>`. No timestamp is signed, so replays
 * are stopped by deduplicating `X-GitHub-Delivery`.
 * Docs: https://docs.github.com/webhooks/using-webhooks/validating-webhook-deliveries
 */

import { defaultPayload, stringField } from "../normalize/read-body";
import { bodyHmacVerifier } from "../verify/body-hmac";
import { err, ok } from "../verify/result";
import { type Provider, signedBody, utf8Secret } from "./provider";

export const github: Provider = {
  scheme: "github-hmac-sha256",
  signed: ["body"],
  untrustedPaths: [
    "payload.issue.title",
    "payload.issue.body",
    "payload.comment.body",
    "payload.pull_request.title",
    "payload.pull_request.body",
    "payload.review.body",
    "payload.commits[].message",
    "payload.head_commit.message",
    "payload.discussion.title",
    "payload.discussion.body",
    "payload.answer.body",
    "payload.release.name",
    "payload.release.body",
  ],
  decodeSecret: utf8Secret,
  signedContent: signedBody,

  verify: bodyHmacVerifier({
    header: "x-hub-signature-256",
    hash: "SHA-256",
    encoding: "hex",
    prefix: "sha256=",
  }),

  identify(request, body) {
    const id = request.headers.get("x-github-delivery");
    if (!id) return err({ reason: "missing_event_id", detail: "X-GitHub-Delivery header is required" });
    // GitHub can also deliver `application/x-www-form-urlencoded` with the JSON in `payload`.
    const formPayload = request.headers.get("content-type")?.startsWith("application/x-www-form-urlencoded")
      ? body.form()?.get("payload")
      : undefined;
    let payload = defaultPayload(body);
    if (formPayload) {
      try {
        payload = JSON.parse(formPayload);
      } catch {
        return err({ reason: "invalid_body", detail: "form field `payload` is not JSON" });
      }
    }
    const event = request.headers.get("x-github-event") ?? "unknown";
    const action = stringField(payload, "action");
    return ok({ id, type: action ? `${event}.${action}` : event, payload });
  },
};
