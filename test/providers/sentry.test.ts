import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sentry } from "../../src/providers/sentry";
import { identifyWith, verifyWith } from "../support/verify-with";

// Sentry publishes the algorithm but no vector and no verification helper in its SDKs:
// https://docs.sentry.io/organization/integrations/integration-platform/webhooks/#verifying-the-signature
// `sign` is the docs' Node sample: hex HMAC-SHA256(client secret, body), via node:crypto. Headers and
// body follow the docs' `issue` webhook. `Sentry-Hook-Timestamp` is unsigned, so no freshness tests.
const SECRET = "b3bd4a9c5e8f4a0fbd2e7c6a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e";
const NOW = 1_700_000_000;
const REQUEST_ID = "9c2b9e3e-5b1a-4b8f-9a2e-3c1d4e5f6a7b";
const BODY = JSON.stringify({
  action: "created",
  installation: { uuid: "7a485448-a9e2-4c85-8a3c-4f44175783c9" },
  data: { issue: { id: "1117540176", title: "Error #1: This is a test error!", status: "unresolved" } },
  actor: { type: "application", id: "sentry", name: "Sentry" },
});
const sign = (body: string, secret = SECRET, encoding: "hex" | "base64" = "hex") =>
  createHmac("sha256", secret).update(body).digest(encoding);
const parts = (signature: string | null = sign(BODY), body = BODY) => ({
  headers: {
    "content-type": "application/json",
    "request-id": REQUEST_ID,
    "sentry-hook-resource": "issue",
    "sentry-hook-timestamp": String(NOW),
    ...(signature === null ? {} : { "sentry-hook-signature": signature }),
  },
  body,
});

describe("sentry verifier", () => {
  it("accepts a webhook signed with the documented recipe", async () => {
    expect(await verifyWith(sentry, parts(), [SECRET], NOW)).toEqual({ ok: true, value: true });
  });

  it("rejects a changed body and another client secret", async () => {
    expect(
      await verifyWith(sentry, parts(sign(BODY), BODY.replace("created", "resolved")), [SECRET], NOW),
    ).toMatchObject({
      error: { reason: "bad_signature" },
    });
    expect(await verifyWith(sentry, parts(sign(BODY, "another-secret")), [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects a missing header", async () => {
    expect(await verifyWith(sentry, parts(null), [SECRET], NOW)).toMatchObject({
      error: { reason: "missing_header", header: "sentry-hook-signature" },
    });
  });

  it("rejects a base64 or prefixed signature as malformed", async () => {
    for (const signature of [sign(BODY, SECRET, "base64"), `sha256=${sign(BODY)}`, sign(BODY).slice(1), ""]) {
      expect(await verifyWith(sentry, parts(signature), [SECRET], NOW)).toMatchObject({
        error: { reason: "malformed_header", header: "sentry-hook-signature" },
      });
    }
  });

  it("accepts the previous client secret during a rotation", async () => {
    expect((await verifyWith(sentry, parts(), ["the-new-client-secret", SECRET], NOW)).ok).toBe(true);
  });
});

describe("sentry events", () => {
  it("identifies by Request-ID and types as <Sentry-Hook-Resource>.<action>", () => {
    expect(identifyWith(sentry, parts())).toEqual({
      ok: true,
      value: { id: REQUEST_ID, type: "issue.created", payload: JSON.parse(BODY) },
    });
  });

  it("types by the resource alone when the body has no action, and leaves a missing id to the digest", () => {
    const identity = identifyWith(sentry, {
      headers: { "sentry-hook-resource": "installation" },
      body: '{"data":{}}',
    });
    expect(identity).toMatchObject({ ok: true, value: { type: "installation" } });
    expect(identity.ok && identity.value.id).toBeUndefined();
  });
});
