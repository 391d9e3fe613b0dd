import { describe, expect, it } from "vitest";
import { gitlab } from "../../src/providers/gitlab";
import { identifyWith, verifyWith } from "../support/verify-with";

// GitLab signs nothing: `X-Gitlab-Token` carries the secret token configured on the webhook, so the
// "vector" is the token itself. Headers and body follow GitLab's docs:
// https://docs.gitlab.com/user/project/integrations/webhooks/ (delivery headers) and
// https://docs.gitlab.com/user/project/integrations/webhook_events/#merge-request-events
const TOKEN = "glwt-s3cret-t0ken-42";
const NOW = 1_700_000_000;
const IDEMPOTENCY_KEY = "f5e5f430-f57b-4e6e-9fac-d9128cd7232f";
const WEBHOOK_UUID = "16412037-1d2c-4fd4-b4f4-5a5a2ea2cb1b";
const EVENT_UUID = "13792a34-cac6-4fda-95a8-c58e00a3954e";
const BODY = JSON.stringify({
  object_kind: "merge_request",
  event_type: "merge_request",
  user: { id: 1, name: "Administrator", username: "root" },
  project: { id: 1, path_with_namespace: "gitlabhq/gitlab-test" },
  object_attributes: { id: 99, iid: 1, action: "open", state: "opened" },
});
const headers = (token: string | null = TOKEN) => ({
  "content-type": "application/json",
  "user-agent": "GitLab/17.4.0",
  "idempotency-key": IDEMPOTENCY_KEY,
  "x-gitlab-event": "Merge Request Hook",
  "x-gitlab-webhook-uuid": WEBHOOK_UUID,
  "x-gitlab-event-uuid": EVENT_UUID,
  "x-gitlab-instance": "https://gitlab.example.com",
  ...(token === null ? {} : { "x-gitlab-token": token }),
});
const parts = (token: string | null = TOKEN, body = BODY) => ({ headers: headers(token), body });

describe("gitlab verifier", () => {
  it("accepts the configured secret token", async () => {
    expect(await verifyWith(gitlab, parts(), [TOKEN], NOW)).toEqual({ ok: true, value: true });
  });

  it("rejects another token, including one that only shares a prefix or differs in case", async () => {
    for (const token of ["another-token", TOKEN.slice(0, -1), `${TOKEN}x`, TOKEN.toUpperCase()]) {
      expect(await verifyWith(gitlab, parts(token), [TOKEN], NOW)).toMatchObject({
        error: { reason: "bad_signature" },
      });
    }
  });

  it("authenticates the sender only: the body is not covered", async () => {
    expect((await verifyWith(gitlab, parts(TOKEN, BODY.replace("open", "close")), [TOKEN], NOW)).ok).toBe(
      true,
    );
  });

  it("rejects a missing header and an empty token", async () => {
    expect(await verifyWith(gitlab, parts(null), [TOKEN], NOW)).toMatchObject({
      error: { reason: "missing_header", header: "x-gitlab-token" },
    });
    expect(await verifyWith(gitlab, parts(""), [TOKEN], NOW)).toMatchObject({
      error: { reason: "malformed_header", header: "x-gitlab-token" },
    });
  });

  it("accepts the previous token during a rotation, and only the configured ones", async () => {
    expect((await verifyWith(gitlab, parts(), ["the-new-token", TOKEN], NOW)).ok).toBe(true);
    expect((await verifyWith(gitlab, parts("the-new-token"), ["the-new-token", TOKEN], NOW)).ok).toBe(true);
    expect((await verifyWith(gitlab, parts("an-older-token"), ["the-new-token", TOKEN], NOW)).ok).toBe(false);
  });
});

describe("gitlab events", () => {
  const without = (...names: string[]) =>
    Object.fromEntries(Object.entries(headers()).filter(([name]) => !names.includes(name)));

  it("identifies by Idempotency-Key, which GitLab keeps on retries, and types by object_kind", () => {
    expect(identifyWith(gitlab, parts())).toEqual({
      ok: true,
      value: { id: IDEMPOTENCY_KEY, type: "merge_request", payload: JSON.parse(BODY) },
    });
  });

  it("falls back to X-Gitlab-Webhook-UUID, then X-Gitlab-Event-UUID, then the body digest", () => {
    expect(identifyWith(gitlab, { headers: without("idempotency-key"), body: BODY })).toMatchObject({
      value: { id: WEBHOOK_UUID },
    });
    const onlyEventUuid = without("idempotency-key", "x-gitlab-webhook-uuid");
    expect(identifyWith(gitlab, { headers: onlyEventUuid, body: BODY })).toMatchObject({
      value: { id: EVENT_UUID },
    });
    const none = identifyWith(gitlab, {
      headers: without("idempotency-key", "x-gitlab-webhook-uuid", "x-gitlab-event-uuid"),
      body: BODY,
    });
    expect(none.ok && none.value.id).toBeUndefined();
  });

  it("types system hooks by event_name, and bodies without either by the X-Gitlab-Event header", () => {
    expect(
      identifyWith(gitlab, { headers: headers(), body: '{"event_name":"project_create"}' }),
    ).toMatchObject({
      value: { type: "project_create" },
    });
    expect(identifyWith(gitlab, { headers: headers(), body: "{}" })).toMatchObject({
      value: { type: "Merge Request Hook" },
    });
  });
});
