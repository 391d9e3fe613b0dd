import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { bitbucket } from "../../src/providers/bitbucket";
import { identifyWith, verifyWith } from "../support/verify-with";

// Bitbucket Cloud publishes the algorithm but no vector and no JS SDK helper:
// https://support.atlassian.com/bitbucket-cloud/docs/manage-webhooks/#Secure-webhooks
// `sign` is that recipe: "sha256=" + hex HMAC-SHA256(webhook secret, raw body), via node:crypto.
// Headers follow https://support.atlassian.com/bitbucket-cloud/docs/event-payloads/#HTTP-headers.
// Nothing is timed, so there are no freshness tests.
const SECRET = "bitbucket-webhook-secret-7d6c5b";
const NOW = 1_700_000_000;
const REQUEST_UUID = "0dbb25a4-9d8e-4a2c-8e7b-0b8d7a3c2f10";
const BODY = JSON.stringify({
  push: {
    changes: [
      { new: { type: "branch", name: "main", target: { hash: "709d658dc5b6d6afcd46049c2f332ee3f515a67d" } } },
    ],
  },
  repository: { full_name: "team/repo", uuid: "{b5c4a3d2-1e0f-4a9b-8c7d-6e5f4a3b2c1d}" },
  actor: { display_name: "Ada Lovelace" },
});
const sign = (body: string, secret = SECRET, encoding: "hex" | "base64" = "hex") =>
  `sha256=${createHmac("sha256", secret).update(body).digest(encoding)}`;
const parts = (signature: string | null = sign(BODY), body = BODY) => ({
  headers: {
    "content-type": "application/json",
    "x-event-key": "repo:push",
    "x-request-uuid": REQUEST_UUID,
    "x-hook-uuid": "{f4b3a2c1-0d9e-4f8a-b7c6-d5e4f3a2b1c0}",
    ...(signature === null ? {} : { "x-hub-signature": signature }),
  },
  body,
});

describe("bitbucket verifier", () => {
  it("accepts an event signed with the documented recipe", async () => {
    expect(await verifyWith(bitbucket, parts(), [SECRET], NOW)).toEqual({ ok: true, value: true });
  });

  it("rejects a changed body and another secret", async () => {
    expect(
      await verifyWith(bitbucket, parts(sign(BODY), BODY.replace("main", "dev")), [SECRET], NOW),
    ).toMatchObject({
      error: { reason: "bad_signature" },
    });
    expect(await verifyWith(bitbucket, parts(sign(BODY, "another-secret")), [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects a missing header", async () => {
    expect(await verifyWith(bitbucket, parts(null), [SECRET], NOW)).toMatchObject({
      error: { reason: "missing_header", header: "x-hub-signature" },
    });
  });

  it("rejects a base64, unprefixed or SHA-1 signature as malformed", async () => {
    const sha1 = `sha1=${createHmac("sha1", SECRET).update(BODY).digest("hex")}`;
    for (const signature of [sign(BODY, SECRET, "base64"), sign(BODY).slice(7), sha1, "sha256="]) {
      expect(await verifyWith(bitbucket, parts(signature), [SECRET], NOW)).toMatchObject({
        error: { reason: "malformed_header", header: "x-hub-signature" },
      });
    }
  });

  it("accepts the previous secret during a rotation", async () => {
    expect((await verifyWith(bitbucket, parts(), ["the-new-secret", SECRET], NOW)).ok).toBe(true);
  });
});

describe("bitbucket events", () => {
  it("identifies by X-Request-UUID and types by X-Event-Key", () => {
    expect(identifyWith(bitbucket, parts())).toEqual({
      ok: true,
      value: { id: REQUEST_UUID, type: "repo:push", payload: JSON.parse(BODY) },
    });
  });

  it("refuses a request without X-Request-UUID", () => {
    expect(identifyWith(bitbucket, { headers: { "x-event-key": "repo:push" }, body: BODY })).toMatchObject({
      error: { reason: "missing_event_id" },
    });
  });
});
