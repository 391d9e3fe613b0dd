import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { vercel } from "../../src/providers/vercel";
import { identifyWith, verifyWith } from "../support/verify-with";

// Vercel publishes the algorithm but no vector and no SDK helper:
// https://vercel.com/docs/webhooks/webhooks-api#securing-webhooks
// `sign` is the docs' Node sample in substance: hex HMAC-SHA1(secret, raw body), via node:crypto.
// The body follows the docs' `deployment.created` payload. Nothing is timed, so no freshness tests.
const SECRET = "vercel-webhook-secret-Zx81Qm";
const NOW = 1_700_000_000;
const BODY = JSON.stringify({
  id: "uDl1G6sE5Yz2Y9kPqHrmGjzG",
  type: "deployment.created",
  createdAt: 1700000000000,
  region: "sfo1",
  payload: { deployment: { id: "dpl_2euZBFqxYdDMDG1jTrHFnNZ2eUVa", name: "hookgate" } },
});
const sign = (body: string, secret = SECRET, algorithm = "sha1") =>
  createHmac(algorithm, secret).update(body).digest("hex");
const parts = (signature: string | null = sign(BODY), body = BODY) => ({
  headers: signature === null ? ({} as Record<string, string>) : { "x-vercel-signature": signature },
  body,
});

describe("vercel verifier", () => {
  it("accepts an event signed with the documented recipe", async () => {
    expect(await verifyWith(vercel, parts(), [SECRET], NOW)).toEqual({ ok: true, value: true });
  });

  it("rejects a changed body and another secret", async () => {
    expect(
      await verifyWith(vercel, parts(sign(BODY), BODY.replace("sfo1", "iad1")), [SECRET], NOW),
    ).toMatchObject({
      error: { reason: "bad_signature" },
    });
    expect(await verifyWith(vercel, parts(sign(BODY, "another-secret")), [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects a missing header", async () => {
    expect(await verifyWith(vercel, parts(null), [SECRET], NOW)).toMatchObject({
      error: { reason: "missing_header", header: "x-vercel-signature" },
    });
  });

  it("rejects a SHA-256, base64 or prefixed signature as malformed", async () => {
    const base64 = createHmac("sha1", SECRET).update(BODY).digest("base64");
    for (const signature of [sign(BODY, SECRET, "sha256"), base64, `sha1=${sign(BODY)}`, ""]) {
      expect(await verifyWith(vercel, parts(signature), [SECRET], NOW)).toMatchObject({
        error: { reason: "malformed_header", header: "x-vercel-signature" },
      });
    }
  });

  it("accepts the previous secret during a rotation", async () => {
    expect((await verifyWith(vercel, parts(), ["the-new-secret", SECRET], NOW)).ok).toBe(true);
  });
});

describe("vercel events", () => {
  it("identifies by the body id and types by type", () => {
    expect(identifyWith(vercel, parts())).toEqual({
      ok: true,
      value: { id: "uDl1G6sE5Yz2Y9kPqHrmGjzG", type: "deployment.created", payload: JSON.parse(BODY) },
    });
  });

  it("refuses an event without id, and a body that is not JSON", () => {
    expect(identifyWith(vercel, { headers: {}, body: '{"type":"deployment.created"}' })).toMatchObject({
      error: { reason: "missing_event_id" },
    });
    expect(identifyWith(vercel, { headers: {}, body: "x" })).toMatchObject({
      error: { reason: "invalid_body" },
    });
  });
});
