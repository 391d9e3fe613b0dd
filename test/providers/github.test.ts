import { sign } from "@octokit/webhooks-methods";
import { describe, expect, it } from "vitest";
import { github } from "../../src/providers/github";
import { identifyWith, verifyWith } from "../support/verify-with";

// Official vector: https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
const SECRET = "It's a Secret to Everybody";
const BODY = "Hello, World!";
const SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
const NOW = 1_700_000_000;

const request = (signature: string | null, body = BODY) => ({
  headers: signature === null ? ({} as Record<string, string>) : { "x-hub-signature-256": signature },
  body,
});

describe("github verifier", () => {
  it("accepts GitHub's documented test vector", async () => {
    expect(await verifyWith(github, request(SIGNATURE), [SECRET], NOW)).toEqual({ ok: true, value: true });
  });

  it("accepts a signature made by @octokit/webhooks-methods", async () => {
    const body = JSON.stringify({ action: "opened" });
    expect((await verifyWith(github, request(await sign(SECRET, body), body), [SECRET], NOW)).ok).toBe(true);
  });

  it("rejects a changed body", async () => {
    expect(await verifyWith(github, request(SIGNATURE, "Hello, World?"), [SECRET], NOW)).toMatchObject({
      ok: false,
      error: { reason: "bad_signature" },
    });
  });

  it("rejects a signature made with another secret", async () => {
    const forged = await sign("not the secret", BODY);
    expect((await verifyWith(github, request(forged), [SECRET], NOW)).ok).toBe(false);
  });

  it("rejects a missing signature header", async () => {
    expect(await verifyWith(github, request(null), [SECRET], NOW)).toMatchObject({
      error: { reason: "missing_header", header: "x-hub-signature-256" },
    });
  });

  it("rejects sha1= and base64 encodings as malformed", async () => {
    for (const wrong of [
      "sha1=757107ea0eb2509fc211221cce984b8a37570b6d",
      "sha256=dXZ3",
      SIGNATURE.toUpperCase(),
    ]) {
      expect(await verifyWith(github, request(wrong), [SECRET], NOW)).toMatchObject({
        error: { reason: "malformed_header" },
      });
    }
  });

  it("accepts the previous secret during a rotation", async () => {
    expect((await verifyWith(github, request(SIGNATURE), ["the new secret", SECRET], NOW)).ok).toBe(true);
  });

  it("identifies deliveries by X-GitHub-Delivery and types them as event.action", () => {
    const identity = identifyWith(github, {
      headers: {
        "x-github-delivery": "72d3162e",
        "x-github-event": "issues",
        "content-type": "application/json",
      },
      body: JSON.stringify({ action: "opened" }),
    });
    expect(identity).toEqual({
      ok: true,
      value: { id: "72d3162e", type: "issues.opened", payload: { action: "opened" } },
    });
  });

  it("reads form-encoded deliveries from the payload field", () => {
    const identity = identifyWith(github, {
      headers: {
        "x-github-delivery": "d1",
        "x-github-event": "push",
        "content-type": "application/x-www-form-urlencoded",
      },
      body: `payload=${encodeURIComponent(JSON.stringify({ ref: "refs/heads/main" }))}`,
    });
    expect(identity).toEqual({
      ok: true,
      value: { id: "d1", type: "push", payload: { ref: "refs/heads/main" } },
    });
  });

  it("refuses a delivery without X-GitHub-Delivery, since it could not be deduplicated", () => {
    expect(identifyWith(github, { headers: { "x-github-event": "ping" }, body: "{}" })).toMatchObject({
      ok: false,
      error: { reason: "missing_event_id" },
    });
  });
});
