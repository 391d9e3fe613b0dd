/**
 * Notion: `X-Notion-Signature: sha256=<hex HMAC-SHA256(verification_token, body)>`. The one request that
 * creating a subscription sends, `{"verification_token": …}`, is unsigned and is refused like any other
 * unsigned request: this preset has no unauthenticated path and never logs the token. To read the token
 * once, point the subscription at a short-lived `unsigned` source and switch it to `notion` afterwards.
 * Docs: https://developers.notion.com/reference/webhooks#step-3-validating-event-payloads-recommended
 */

import { stringField } from "../normalize/read-body";
import { hmacMatchesAny } from "../verify/hmac";
import { err, ok, verified } from "../verify/result";
import { prefixedDigest } from "../verify/signature-header";
import { type Provider, utf8Secret } from "./provider";

const SIGNATURE = "x-notion-signature";

export const notion: Provider = {
  scheme: "X-Notion-Signature: sha256=<hex HMAC-SHA256 of body>",
  decodeSecret: utf8Secret,

  async verify({ request, secrets }) {
    const header = request.headers.get(SIGNATURE);
    if (header === null) return err({ reason: "missing_header", header: SIGNATURE });
    const signature = prefixedDigest(header, "sha256=", "hex", 32);
    if (!signature) return err({ reason: "malformed_header", header: SIGNATURE });
    return (await hmacMatchesAny("SHA-256", secrets, request.body, [signature]))
      ? verified
      : err({ reason: "bad_signature" });
  },

  identify(_request, body) {
    const event = body.json();
    if (event === undefined) return err({ reason: "invalid_body", detail: "Notion events are JSON" });
    const id = stringField(event, "id");
    if (!id) return err({ reason: "missing_event_id", detail: "Notion events carry `id`" });
    return ok({ id, type: stringField(event, "type") ?? "unknown", payload: event });
  },
};
