/**
 * Notion: `X-Notion-Signature: sha256=<hex HMAC-SHA256(verification_token, body)>`. The one request that
 * creating a subscription sends, `{"verification_token": …}`, is unsigned and is refused like any other
 * unsigned request: this preset has no unauthenticated path and never logs the token. To read the token
 * once, point the subscription at a short-lived `unsigned` source and switch it to `notion` afterwards.
 * Docs: https://developers.notion.com/reference/webhooks#step-3-validating-event-payloads-recommended
 */

import { stringField } from "../normalize/read-body";
import { bodyHmacVerifier } from "../verify/body-hmac";
import { err, ok } from "../verify/result";
import { type Provider, utf8Secret } from "./provider";

export const notion: Provider = {
  scheme: "notion-hmac-sha256",
  signed: ["body"],
  // Events carry ids only: page and comment text is fetched from the API.
  untrustedPaths: [],
  decodeSecret: utf8Secret,

  verify: bodyHmacVerifier({
    header: "x-notion-signature",
    hash: "SHA-256",
    encoding: "hex",
    prefix: "sha256=",
  }),

  identify(_request, body) {
    const event = body.json();
    if (event === undefined) return err({ reason: "invalid_body", detail: "Notion events are JSON" });
    const id = stringField(event, "id");
    if (!id) return err({ reason: "missing_event_id", detail: "Notion events carry `id`" });
    return ok({ id, type: stringField(event, "type") ?? "unknown", payload: event });
  },
};
