/**
 * Bitbucket Cloud: `X-Hub-Signature: sha256=<hex HMAC-SHA256(webhook secret, body)>`. Nothing is timed.
 * Id: `X-Request-UUID`; type: `X-Event-Key` (`repo:push`, `pullrequest:created`).
 * Docs: https://support.atlassian.com/bitbucket-cloud/docs/manage-webhooks/#Secure-webhooks
 */

import { defaultPayload } from "../normalize/read-body";
import { hmacMatchesAny } from "../verify/hmac";
import { err, ok, verified } from "../verify/result";
import { prefixedDigest } from "../verify/signature-header";
import { type Provider, utf8Secret } from "./provider";

const SIGNATURE = "x-hub-signature";

export const bitbucket: Provider = {
  scheme: "X-Hub-Signature: sha256=<hex HMAC-SHA256 of body>",
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

  identify(request, body) {
    const id = request.headers.get("x-request-uuid");
    if (!id) return err({ reason: "missing_event_id", detail: "X-Request-UUID header is required" });
    const type = request.headers.get("x-event-key") || "unknown";
    return ok({ id, type, payload: defaultPayload(body) });
  },
};
