import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { mailgun } from "../../src/providers/mailgun";
import { bytesToBase64, hexToBytes } from "../../src/verify/encoding";
import { identifyWith, verifyWith } from "../support/verify-with";

// Mailgun publishes the algorithm but no vector and no JS verification helper:
// https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks
// `sign` is the docs' recipe: hex HMAC-SHA256(HTTP webhook signing key, timestamp + token), via node:crypto.
// The body follows the docs' `delivered` webhook example.
const KEY = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0";
const NOW = 1_529_006_854;
const TOKEN = "a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0";
const sign = (timestamp: string, token = TOKEN, key = KEY) =>
  createHmac("sha256", key)
    .update(timestamp + token)
    .digest("hex");

function jsonBody({
  timestamp = String(NOW),
  token = TOKEN,
  key = KEY,
  extra = {} as Record<string, string>,
} = {}) {
  return JSON.stringify({
    signature: { timestamp, token, signature: sign(timestamp, token, key), ...extra },
    "event-data": {
      id: "CPgfbmQMTCKtHW6uIWtuVe",
      event: "delivered",
      timestamp: 1529006854.329574,
      recipient: "alice@example.com",
      message: { headers: { "message-id": "20130503182626.18666.16540@example.com" } },
    },
  });
}
const json = (body = jsonBody()) => ({ headers: { "content-type": "application/json" }, body });
const form = (fields: Record<string, string>) => ({
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(fields).toString(),
});
const legacyFields = (timestamp = String(NOW), key = KEY) => ({
  event: "delivered",
  recipient: "alice@example.com",
  timestamp,
  token: TOKEN,
  signature: sign(timestamp, TOKEN, key),
});

describe("mailgun verifier", () => {
  it("accepts a JSON webhook whose body signature follows the documented recipe", async () => {
    expect(await verifyWith(mailgun, json(), [KEY], NOW)).toEqual({ ok: true, value: true });
  });

  it("accepts a legacy form-encoded webhook", async () => {
    expect((await verifyWith(mailgun, form(legacyFields()), [KEY], NOW)).ok).toBe(true);
  });

  it("accepts a subaccount event by its parent-signature under the parent's key", async () => {
    const parent = sign(String(NOW), TOKEN, "parent-account-key");
    const body = jsonBody({ key: "subaccount-key", extra: { "parent-signature": parent } });
    expect((await verifyWith(mailgun, json(body), ["parent-account-key"], NOW)).ok).toBe(true);
  });

  it("signs only timestamp and token: a changed token fails, and so does a replaced signature block", async () => {
    const body = jsonBody().replace(TOKEN, `${TOKEN.slice(0, -1)}1`);
    expect(await verifyWith(mailgun, json(body), [KEY], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
    const forged = JSON.parse(jsonBody());
    forged.signature.timestamp = String(NOW - 1);
    expect(await verifyWith(mailgun, json(JSON.stringify(forged)), [KEY], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects another signing key", async () => {
    expect(await verifyWith(mailgun, json(jsonBody({ key: "another-key" })), [KEY], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects timestamps more than 300 s old or ahead", async () => {
    const at = (timestamp: number) =>
      verifyWith(mailgun, json(jsonBody({ timestamp: String(timestamp) })), [KEY], NOW);
    expect((await at(NOW - 299)).ok).toBe(true);
    expect(await at(NOW - 301)).toMatchObject({ error: { reason: "stale", ts: NOW - 301, now: NOW } });
    expect(await at(NOW + 301)).toMatchObject({ error: { reason: "future", ts: NOW + 301, now: NOW } });
    expect(await verifyWith(mailgun, form(legacyFields(String(NOW - 301))), [KEY], NOW)).toMatchObject({
      error: { reason: "stale" },
    });
  });

  it("rejects a body without its signature fields", async () => {
    const { signature: _, ...unsigned } = JSON.parse(jsonBody());
    const { token: _token, ...noToken } = legacyFields();
    for (const request of [json(JSON.stringify(unsigned)), form(noToken), json("not json")]) {
      expect(await verifyWith(mailgun, request, [KEY], NOW)).toMatchObject({
        error: { reason: "missing_header", header: "signature" },
      });
    }
  });

  it("rejects a base64 signature and a timestamp that is not whole seconds", async () => {
    const body = JSON.parse(jsonBody());
    body.signature.signature = bytesToBase64(hexToBytes(body.signature.signature)!);
    expect(await verifyWith(mailgun, json(JSON.stringify(body)), [KEY], NOW)).toMatchObject({
      error: { reason: "malformed_header", header: "signature" },
    });
    expect(await verifyWith(mailgun, json(jsonBody({ timestamp: `${NOW}.5` })), [KEY], NOW)).toMatchObject({
      error: { reason: "malformed_header", header: "timestamp" },
    });
  });

  it("accepts the previous signing key during a rotation", async () => {
    expect((await verifyWith(mailgun, json(), ["the-new-signing-key", KEY], NOW)).ok).toBe(true);
  });
});

describe("mailgun events", () => {
  it("identifies by event-data.id and types by event-data.event", () => {
    expect(identifyWith(mailgun, json())).toMatchObject({
      ok: true,
      value: { id: "CPgfbmQMTCKtHW6uIWtuVe", type: "delivered" },
    });
  });

  it("falls back to the token when event-data has no id", () => {
    const body = JSON.parse(jsonBody());
    delete body["event-data"].id;
    expect(identifyWith(mailgun, json(JSON.stringify(body)))).toMatchObject({
      value: { id: TOKEN, type: "delivered" },
    });
  });

  it("identifies a legacy form webhook by token and event", () => {
    expect(identifyWith(mailgun, form(legacyFields()))).toMatchObject({
      ok: true,
      value: { id: TOKEN, type: "delivered", payload: { recipient: "alice@example.com" } },
    });
  });
});
