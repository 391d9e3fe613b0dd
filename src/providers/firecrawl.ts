/**
 * Firecrawl: `X-Firecrawl-Signature: sha256=<hex HMAC-SHA256(raw body)>`, keyed with the account's webhook
 * secret. No timestamp is signed. The id is the body's `webhookId` (one per delivery, the same on retries;
 * body `id` is the crawl or batch job, shared by all its events), else the body digest. Type: body `type`.
 * Docs: https://docs.firecrawl.dev/webhooks/security and https://docs.firecrawl.dev/webhooks/events
 */
import { stringField } from "../normalize/read-body";
import { bodyHmacVerifier } from "../verify/body-hmac";
import { err, ok } from "../verify/result";
import { type Provider, utf8Secret } from "./provider";

export const firecrawl: Provider = {
  scheme: "firecrawl-hmac-sha256",
  signed: ["body"],
  untrustedPaths: [
    "payload.data[].markdown",
    "payload.data[].html",
    "payload.data[].rawHtml",
    "payload.data[].metadata.title",
    "payload.data[].metadata.description",
  ],
  decodeSecret: utf8Secret,

  verify: bodyHmacVerifier({
    header: "x-firecrawl-signature",
    hash: "SHA-256",
    encoding: "hex",
    prefix: "sha256=",
  }),

  identify(_request, body) {
    const event = body.json();
    if (event === undefined) return err({ reason: "invalid_body", detail: "Firecrawl events are JSON" });
    return ok({
      id: stringField(event, "webhookId"),
      type: stringField(event, "type") ?? "unknown",
      payload: event,
    });
  },
};
