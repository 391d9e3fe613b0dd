import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { calendly } from "../../src/providers/calendly";
import { identifyWith, verifyWith } from "../support/verify-with";

// Calendly publishes the algorithm but no vector and no SDK helper:
// https://developer.calendly.com/api-docs/overview/webhooks/webhook-signatures
// `header` is that recipe: `t=<unix>,v1=<hex HMAC-SHA256(signing key, "<t>.<raw body>")>`, via node:crypto;
// Calendly recommends refusing timestamps older than 3 minutes. The body follows the docs'
// `invitee.created` example.
const KEY = "calendly-signing-key-4f1e9a0c7b";
const NOW = 1_700_000_000;
const INVITEE = "https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2/invitees/AAAAAAAAAAAAAAAA";
const event = (type = "invitee.created") =>
  JSON.stringify({
    created_at: "2023-11-14T22:13:20.000000Z",
    created_by: "https://api.calendly.com/users/AAAAAAAAAAAAAAAA",
    event: type,
    payload: { uri: INVITEE, email: "test@example.com", name: "John Doe", status: "active" },
  });
const BODY = event();
const v1 = (timestamp: number, body: string, key = KEY) =>
  createHmac("sha256", key).update(`${timestamp}.${body}`).digest("hex");
const header = (timestamp = NOW, body = BODY, key = KEY) => `t=${timestamp},v1=${v1(timestamp, body, key)}`;
const parts = (signature: string | null = header(), body = BODY) => ({
  headers: signature === null ? ({} as Record<string, string>) : { "calendly-webhook-signature": signature },
  body,
});

describe("calendly verifier", () => {
  it("accepts an event signed with the documented recipe", async () => {
    expect(await verifyWith(calendly, parts(), [KEY], NOW)).toEqual({ ok: true, value: true });
  });

  it("accepts any well-formed v1 entry and ignores unknown keys", async () => {
    const signature = `t=${NOW},v0=${"0".repeat(64)},v1=${v1(NOW, BODY, "old-key")},v1=${v1(NOW, BODY)}`;
    expect((await verifyWith(calendly, parts(signature), [KEY], NOW)).ok).toBe(true);
  });

  it("rejects a changed body, a changed timestamp and another signing key", async () => {
    expect(await verifyWith(calendly, parts(header(), event("invitee.canceled")), [KEY], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
    const moved = `t=${NOW - 1},v1=${v1(NOW, BODY)}`;
    expect(await verifyWith(calendly, parts(moved), [KEY], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
    expect(await verifyWith(calendly, parts(header(NOW, BODY, "another-key")), [KEY], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects timestamps more than 3 minutes old or ahead", async () => {
    expect((await verifyWith(calendly, parts(header(NOW - 179)), [KEY], NOW)).ok).toBe(true);
    expect(await verifyWith(calendly, parts(header(NOW - 181)), [KEY], NOW)).toMatchObject({
      error: { reason: "stale", ts: NOW - 181, now: NOW },
    });
    expect(await verifyWith(calendly, parts(header(NOW + 181)), [KEY], NOW)).toMatchObject({
      error: { reason: "future", ts: NOW + 181, now: NOW },
    });
  });

  it("rejects a missing header", async () => {
    expect(await verifyWith(calendly, parts(null), [KEY], NOW)).toMatchObject({
      error: { reason: "missing_header", header: "calendly-webhook-signature" },
    });
  });

  it("rejects headers without t or a hex v1, or with two timestamps", async () => {
    const base64 = createHmac("sha256", KEY).update(`${NOW}.${BODY}`).digest("base64");
    for (const signature of [
      `v1=${v1(NOW, BODY)}`,
      `t=${NOW}`,
      `t=${NOW},v1=${base64}`,
      `t=${NOW};v1=${v1(NOW, BODY)}`,
      `t=${NOW},t=${NOW},v1=${v1(NOW, BODY)}`,
      `t=later,v1=${v1(NOW, BODY)}`,
    ]) {
      expect(await verifyWith(calendly, parts(signature), [KEY], NOW)).toMatchObject({
        error: { reason: "malformed_header", header: "calendly-webhook-signature" },
      });
    }
  });

  it("accepts the previous signing key during a rotation", async () => {
    expect((await verifyWith(calendly, parts(), ["the-new-signing-key", KEY], NOW)).ok).toBe(true);
  });
});

describe("calendly events", () => {
  it("identifies by event and payload uri, and types by event", () => {
    expect(identifyWith(calendly, parts())).toEqual({
      ok: true,
      value: { id: `invitee.created:${INVITEE}`, type: "invitee.created", payload: JSON.parse(BODY) },
    });
  });

  it("keeps a cancellation apart from the creation of the same invitee", () => {
    expect(identifyWith(calendly, parts(null, event("invitee.canceled")))).toMatchObject({
      value: { id: `invitee.canceled:${INVITEE}`, type: "invitee.canceled" },
    });
  });

  it("leaves an event without payload uri to the body digest, and refuses a body that is not JSON", () => {
    const identity = identifyWith(calendly, {
      headers: {},
      body: '{"event":"invitee.created","payload":{}}',
    });
    expect(identity).toMatchObject({ ok: true, value: { type: "invitee.created" } });
    expect(identity.ok && identity.value.id).toBeUndefined();
    expect(identifyWith(calendly, { headers: {}, body: "x" })).toMatchObject({
      error: { reason: "invalid_body" },
    });
  });
});
