import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { firecrawl } from "../../src/providers/firecrawl";
import { identifyWith, verifyWith } from "../support/verify-with";

// Firecrawl publishes the recipe but no vector (https://docs.firecrawl.dev/webhooks/security):
// `X-Firecrawl-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`. Signed here with node:crypto, as in the
// docs' Node example. The body follows the `crawl.page` example of https://docs.firecrawl.dev/webhooks/events
// with the `webhookId` of the API reference (one per delivery, repeated on retries).
const SECRET = "fc-webhook-secret-6a1f0e9d8c7b";
const PREVIOUS = "fc-webhook-secret-previous";
const NOW = 1_756_934_000;
const event = (type = "crawl.page") =>
  JSON.stringify({
    success: true,
    type,
    id: "550e8400-e29b-41d4-a716-446655440000",
    webhookId: "a1b2c3d4-0001-0000-0000-000000000000",
    data: [{ markdown: "# Page content...", metadata: { url: "https://example.com/page", statusCode: 200 } }],
    metadata: {},
  });
const BODY = event();
const sign = (body = BODY, secret = SECRET) =>
  `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
const parts = (signature: string | null = sign(), body = BODY) => ({
  headers: signature === null ? ({} as Record<string, string>) : { "x-firecrawl-signature": signature },
  body,
});

describe("firecrawl verifier", () => {
  it("accepts a delivery signed with the documented recipe", async () => {
    expect(await verifyWith(firecrawl, parts(), [SECRET], NOW)).toEqual({ ok: true, value: true });
  });

  it("rejects a changed body and another secret", async () => {
    expect(await verifyWith(firecrawl, parts(sign(), event("crawl.completed")), [SECRET], NOW)).toMatchObject(
      {
        error: { reason: "bad_signature" },
      },
    );
    expect(await verifyWith(firecrawl, parts(sign(BODY, "wrong")), [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("reports a missing header, and a bare, sha1= or base64 digest as malformed", async () => {
    expect(await verifyWith(firecrawl, parts(null), [SECRET], NOW)).toMatchObject({
      error: { reason: "missing_header", header: "x-firecrawl-signature" },
    });
    const hex = sign().slice("sha256=".length);
    for (const signature of [hex, `sha1=${hex}`, `sha256=${Buffer.from(hex, "hex").toString("base64")}`]) {
      expect(await verifyWith(firecrawl, parts(signature), [SECRET], NOW)).toMatchObject({
        error: { reason: "malformed_header", header: "x-firecrawl-signature" },
      });
    }
  });

  it("accepts the previous secret during a rotation", async () => {
    expect((await verifyWith(firecrawl, parts(sign(BODY, PREVIOUS)), [SECRET, PREVIOUS], NOW)).ok).toBe(true);
  });

  it("identifies a delivery by its webhookId, not the job id, else by the body digest", () => {
    expect(identifyWith(firecrawl, parts())).toMatchObject({
      ok: true,
      value: { id: "a1b2c3d4-0001-0000-0000-000000000000", type: "crawl.page" },
    });
    const legacy = JSON.stringify({ success: true, type: "crawl.started", id: "550e8400", data: [] });
    expect(identifyWith(firecrawl, parts(sign(legacy), legacy))).toMatchObject({
      ok: true,
      value: { id: undefined, type: "crawl.started" },
    });
    expect(identifyWith(firecrawl, parts(sign("x"), "x"))).toMatchObject({
      error: { reason: "invalid_body" },
    });
  });
});
