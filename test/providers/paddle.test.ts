import { Paddle } from "@paddle/paddle-node-sdk";
import { afterEach, describe, expect, it, vi } from "vitest";
import { paddle } from "../../src/providers/paddle";
import { bytesToBase64, hexToBytes } from "../../src/verify/encoding";
import { identifyWith, verifyWith } from "../support/verify-with";

// Official vectors: the Paddle Node SDK's own tests, src/__tests__/notifications/webhooks-validator.test.ts
// (https://github.com/PaddleHQ/paddle-node-sdk), signed with the key `VALID_SECRET` at 2023-11-01T00:00:00Z.
// Each is also checked with the installed SDK: `new Paddle(key).webhooks.isSignatureValid(body, secret, header)`.
// Algorithm: https://developer.paddle.com/webhooks/signature-verification
const SECRET = "VALID_SECRET";
const NOW = 1_698_796_800;
const BODY = '{"data": ["1", "2"]}';
const H1 = "a300428748dce5c70e4da19bffd60769591ea969c99dea3105d0ec9612cf43f9";
const HEADER = `ts=${NOW};h1=${H1}`;
const ROTATING_BODY = '{"data": "value"}';
const ROTATING_HEADER = `ts=${NOW};h1=28981e941fae76e53db32f3d2a83cb69db41476595e84e1970a1b5d98f62b261;h1=28981e941fae76e53db32f3d2a83cb69db41476595e84e1970a1b5d98f62b261;h2=RANDOM_HASH`;

const parts = (header: string | null = HEADER, body = BODY) => ({
  headers: header === null ? ({} as Record<string, string>) : { "paddle-signature": header },
  body,
});

const sdk = new Paddle("pdl_sdbx_apikey_unused_for_verification");

/** The SDK checks the real clock, so it runs at the vectors' time. */
async function sdkAccepts(body: string, secret: string, header: string, atSeconds = NOW) {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(atSeconds * 1000);
  return sdk.webhooks.isSignatureValid(body, secret, header);
}

afterEach(() => {
  vi.useRealTimers();
});

describe("paddle verifier", () => {
  it("accepts the SDK's signed example", async () => {
    expect(await sdkAccepts(BODY, SECRET, HEADER)).toBe(true);
    expect(await verifyWith(paddle, parts(), [SECRET], NOW)).toEqual({ ok: true, value: true });
  });

  it("accepts a header with several h1 entries and ignores unknown keys", async () => {
    expect(await sdkAccepts(ROTATING_BODY, SECRET, ROTATING_HEADER)).toBe(true);
    expect((await verifyWith(paddle, parts(ROTATING_HEADER, ROTATING_BODY), [SECRET], NOW)).ok).toBe(true);
    const withStale = `ts=${NOW};h1=${"0".repeat(64)};h1=${H1}`;
    expect((await verifyWith(paddle, parts(withStale), [SECRET], NOW)).ok).toBe(true);
  });

  it("rejects a body that differs only in whitespace", async () => {
    const spaced = '{ "data": [ "1", "2" ]}';
    expect(await sdkAccepts(spaced, SECRET, HEADER)).toBe(false);
    expect(await verifyWith(paddle, parts(HEADER, spaced), [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects another secret key", async () => {
    expect(await sdkAccepts(BODY, "INVALID_VALID_SECRET", HEADER)).toBe(false);
    expect(await verifyWith(paddle, parts(), ["INVALID_VALID_SECRET"], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("keeps Paddle's 5 second tolerance: 5 s late passes, 6 s late is stale, 6 s early is future", async () => {
    expect(await sdkAccepts(BODY, SECRET, HEADER, NOW + 5)).toBe(true);
    expect(await sdkAccepts(BODY, SECRET, HEADER, NOW + 6)).toBe(false);
    expect((await verifyWith(paddle, parts(), [SECRET], NOW + 5)).ok).toBe(true);
    expect(await verifyWith(paddle, parts(), [SECRET], NOW + 6)).toMatchObject({
      error: { reason: "stale", ts: NOW, now: NOW + 6 },
    });
    expect(await verifyWith(paddle, parts(), [SECRET], NOW - 6)).toMatchObject({
      error: { reason: "future", ts: NOW, now: NOW - 6 },
    });
  });

  it("rejects a missing header", async () => {
    expect(await verifyWith(paddle, parts(null), [SECRET], NOW)).toMatchObject({
      error: { reason: "missing_header", header: "paddle-signature" },
    });
  });

  it("rejects headers without ts or h1, repeated ts, and h1 in another encoding", async () => {
    const base64 = bytesToBase64(hexToBytes(H1)!);
    for (const header of [
      "invalid_header",
      "h1=invalid_header",
      "ts=1234;h2=invalid_header",
      `ts=${NOW};h1=${base64}`,
      `ts=${NOW};h1=${H1.toUpperCase().slice(2)}`,
      `ts=${NOW};ts=${NOW};h1=${H1}`,
      `ts=soon;h1=${H1}`,
      `ts=${NOW},h1=${H1}`,
    ]) {
      expect(await verifyWith(paddle, parts(header), [SECRET], NOW)).toMatchObject({
        error: { reason: "malformed_header", header: "paddle-signature" },
      });
    }
  });

  it("accepts the previous secret key during a rotation", async () => {
    expect((await verifyWith(paddle, parts(), ["pdl_ntfset_new_key", SECRET], NOW)).ok).toBe(true);
  });
});

describe("paddle events", () => {
  // Shape from https://developer.paddle.com/webhooks/overview (a `transaction.completed` notification).
  const event = {
    event_id: "evt_01hv8x2acma2gz4ea5h8bypbdn",
    event_type: "transaction.completed",
    occurred_at: "2024-04-12T10:18:49.621022Z",
    notification_id: "ntf_01hv8x2af8c8gbdhz7ezkm5f1k",
    data: { id: "txn_01hv8wptq8987qeep44cyrewp9", status: "completed" },
  };

  it("identifies by event_id and types by event_type", () => {
    expect(identifyWith(paddle, { headers: {}, body: JSON.stringify(event) })).toEqual({
      ok: true,
      value: { id: event.event_id, type: "transaction.completed", payload: event },
    });
  });

  it("refuses an event without event_id, and a body that is not JSON", () => {
    const { event_id: _, ...noId } = event;
    expect(identifyWith(paddle, { headers: {}, body: JSON.stringify(noId) })).toMatchObject({
      error: { reason: "missing_event_id" },
    });
    expect(identifyWith(paddle, { headers: {}, body: "ts=1" })).toMatchObject({
      error: { reason: "invalid_body" },
    });
  });
});
