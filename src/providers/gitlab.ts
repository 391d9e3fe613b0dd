/**
 * GitLab: `X-Gitlab-Token` carries the webhook's secret token itself (nothing is signed), so it is compared
 * in constant time (`plainSecretMatchesAny`). Id: `Idempotency-Key` (GitLab 17.4+, the same on every retry), else the
 * per-request `X-Gitlab-Webhook-UUID`, else `X-Gitlab-Event-UUID`, which recursive hooks share.
 * Docs: https://docs.gitlab.com/user/project/integrations/webhooks/
 */

import { defaultPayload, stringField } from "../normalize/read-body";
import { utf8 } from "../verify/encoding";
import { plainSecretMatchesAny } from "../verify/hmac";
import { err, ok, verified } from "../verify/result";
import { type Provider, utf8Secret } from "./provider";

const TOKEN = "x-gitlab-token";
const ID_HEADERS = ["idempotency-key", "x-gitlab-webhook-uuid", "x-gitlab-event-uuid"];

export const gitlab: Provider = {
  scheme: "gitlab-token",
  signed: [],
  untrustedPaths: [
    "payload.commits[].message",
    "payload.commits[].title",
    "payload.object_attributes.title",
    "payload.object_attributes.description",
    "payload.object_attributes.note",
    "payload.object_attributes.last_commit.message",
  ],
  decodeSecret: utf8Secret,

  async verify({ request, secrets }) {
    const token = request.headers.get(TOKEN);
    if (token === null) return err({ reason: "missing_header", header: TOKEN });
    if (token === "") return err({ reason: "malformed_header", header: TOKEN });
    return (await plainSecretMatchesAny(utf8.encode(token), secrets))
      ? verified
      : err({ reason: "bad_signature" });
  },

  identify(request, body) {
    const payload = defaultPayload(body);
    const id = ID_HEADERS.map((name) => request.headers.get(name)).find(Boolean) ?? undefined;
    // `object_kind` (`merge_request`) is steadier than the header's title (`Merge Request Hook`);
    // system hooks name their event in `event_name`.
    const type =
      stringField(payload, "object_kind") ??
      stringField(payload, "event_name") ??
      request.headers.get("x-gitlab-event") ??
      "unknown";
    return ok({ id, type, payload });
  },
};
