/**
 * Vercel: `x-vercel-signature: <hex HMAC-SHA1(webhook secret, body)>`; integrations sign with their
 * client secret. Nothing is timed; retries repeat the body `id`.
 * Docs: https://vercel.com/docs/webhooks/webhooks-api#securing-webhooks
 */

import { stringField } from "../normalize/read-body";
import { bodyHmacVerifier } from "../verify/body-hmac";
import { err, ok } from "../verify/result";
import { type Provider, utf8Secret } from "./provider";

export const vercel: Provider = {
  scheme: "vercel-hmac-sha1",
  signed: ["body"],
  untrustedPaths: [
    "payload.payload.deployment.meta.githubCommitMessage",
    "payload.payload.deployment.meta.gitlabCommitMessage",
    "payload.payload.deployment.meta.bitbucketCommitMessage",
  ],
  decodeSecret: utf8Secret,

  verify: bodyHmacVerifier({ header: "x-vercel-signature", hash: "SHA-1", encoding: "hex", prefix: "" }),

  identify(_request, body) {
    const event = body.json();
    if (event === undefined) return err({ reason: "invalid_body", detail: "Vercel events are JSON" });
    const id = stringField(event, "id");
    if (!id) return err({ reason: "missing_event_id", detail: "Vercel events carry `id`" });
    return ok({ id, type: stringField(event, "type") ?? "unknown", payload: event });
  },
};
