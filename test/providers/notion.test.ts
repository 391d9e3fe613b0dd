import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { notion } from "../../src/providers/notion";
import { bytesToBase64, hexToBytes } from "../../src/verify/encoding";
import { handshakeWith, identifyWith, verifyWith } from "../support/verify-with";

// Notion publishes the algorithm but no vector, and its JS SDK has no verification helper:
// https://developers.notion.com/reference/webhooks#step-3-validating-event-payloads-recommended
// `sign` is the docs' sample: "sha256=" + hex HMAC-SHA256(verification_token, raw body), via node:crypto.
// The event follows the docs' `page.content_updated` example. Nothing is timed: no freshness tests.
const TOKEN = "secret_tMrlL1qK5vuQAh1b6cZGhFChZTSYJlce98V0pYn7yBl";
const NOW = 1_700_000_000;
const BODY = JSON.stringify({
  id: "367cba44-b6f3-4c92-81e7-6a2e9659efd4",
  timestamp: "2024-12-05T23:55:34.285Z",
  workspace_id: "13950b26-c203-4f3b-b97d-93ec06319565",
  subscription_id: "29d75c0d-5546-4414-8459-7b7a92f1fc4b",
  integration_id: "0ef2e755-4912-8096-91c1-00376a88a5ca",
  type: "page.content_updated",
  authors: [{ id: "c7c11cca-1d73-471d-9b6e-bdef51470190", type: "person" }],
  entity: { id: "153104cd-477e-809d-8dc4-ff2d96ae3090", type: "page" },
  data: { parent: { id: "13950b26-c203-4f3b-b97d-93ec06319565", type: "space" } },
});
const sign = (body: string, token = TOKEN, encoding: "hex" | "base64" = "hex") =>
  `sha256=${createHmac("sha256", token).update(body).digest(encoding)}`;
const parts = (signature: string | null = sign(BODY), body = BODY) => ({
  headers: signature === null ? ({} as Record<string, string>) : { "x-notion-signature": signature },
  body,
});

describe("notion verifier", () => {
  it("accepts an event signed with the documented recipe", async () => {
    expect(await verifyWith(notion, parts(), [TOKEN], NOW)).toEqual({ ok: true, value: true });
  });

  it("rejects a changed body and another verification token", async () => {
    expect(
      await verifyWith(notion, parts(sign(BODY), BODY.replace("page", "database")), [TOKEN], NOW),
    ).toMatchObject({
      error: { reason: "bad_signature" },
    });
    expect(await verifyWith(notion, parts(sign(BODY, "secret_another")), [TOKEN], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects a missing header", async () => {
    expect(await verifyWith(notion, parts(null), [TOKEN], NOW)).toMatchObject({
      error: { reason: "missing_header", header: "x-notion-signature" },
    });
  });

  it("refuses the unsigned verification request like any unsigned request, and answers no handshake", async () => {
    const verification = JSON.stringify({ verification_token: TOKEN });
    for (const secret of [TOKEN, "placeholder-until-the-token-is-known"]) {
      expect(await verifyWith(notion, parts(null, verification), [secret], NOW)).toMatchObject({
        error: { reason: "missing_header", header: "x-notion-signature" },
      });
    }
    expect(handshakeWith(notion, parts(null, verification))).toBeNull();
  });

  it("rejects a base64 or unprefixed signature as malformed", async () => {
    const hex = sign(BODY).slice("sha256=".length);
    const base64 = `sha256=${bytesToBase64(hexToBytes(hex)!)}`;
    for (const signature of [base64, hex, "sha256=", "sha1=00"]) {
      expect(await verifyWith(notion, parts(signature), [TOKEN], NOW)).toMatchObject({
        error: { reason: "malformed_header", header: "x-notion-signature" },
      });
    }
  });

  it("accepts the previous verification token while a subscription is recreated", async () => {
    expect((await verifyWith(notion, parts(), ["secret_the_new_token", TOKEN], NOW)).ok).toBe(true);
  });
});

describe("notion events", () => {
  it("identifies by the body id and types by type", () => {
    expect(identifyWith(notion, parts())).toEqual({
      ok: true,
      value: {
        id: "367cba44-b6f3-4c92-81e7-6a2e9659efd4",
        type: "page.content_updated",
        payload: JSON.parse(BODY),
      },
    });
  });

  it("refuses a body without id, such as the verification request, and one that is not JSON", () => {
    expect(
      identifyWith(notion, { headers: {}, body: JSON.stringify({ verification_token: TOKEN }) }),
    ).toMatchObject({
      error: { reason: "missing_event_id" },
    });
    expect(identifyWith(notion, { headers: {}, body: "x" })).toMatchObject({
      error: { reason: "invalid_body" },
    });
  });
});
