import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { retell } from "../../src/providers/retell";
import { identifyWith, verifyWith } from "../support/verify-with";

// Retell documents the header and points to its SDK's `Retell.verify(body, apiKey, signature)`
// (https://docs.retellai.com/features/secure-webhook). The SDK (RetellAI/retell-typescript-sdk,
// src/lib/webhook_auth.ts) signs `v=<ms>,d=<hex HMAC-SHA256(apiKey, body + ms)>` and refuses a time more than
// 5 minutes away. Signed here with node:crypto following that code (the SDK is not a dependency).
const API_KEY = "key_5d1b7e0c2a9f4e3d8b6a1c0f9e8d7c6b";
const PREVIOUS = "key_0f1e2d3c4b5a69788796a5b4c3d2e1f0";
const NOW = 1_714_608_475;
const NOW_MS = NOW * 1000 + 123;
const event = (name = "call_ended") =>
  JSON.stringify({
    event: name,
    call: {
      call_type: "phone_call",
      call_id: "Jabr9TXYYJHfvl6Syypi88rdAHYHmcq6",
      agent_id: "oBeDLoLOeuAbiuaMFXRtDOLriTJ5tSxD",
      call_status: "ended",
      start_timestamp: NOW_MS - 60_000,
      end_timestamp: NOW_MS,
      disconnection_reason: "user_hangup",
    },
  });
const BODY = event();
const digest = (body: string, ms: number, key = API_KEY) =>
  createHmac("sha256", key)
    .update(body + ms)
    .digest("hex");
const header = (ms = NOW_MS, body = BODY, key = API_KEY) => `v=${ms},d=${digest(body, ms, key)}`;
const parts = (signature: string | null = header(), body = BODY) => ({
  headers: signature === null ? ({} as Record<string, string>) : { "x-retell-signature": signature },
  body,
});

describe("retell verifier", () => {
  it("accepts a call event signed the way the Retell SDK signs", async () => {
    expect(await verifyWith(retell, parts(), [API_KEY], NOW)).toEqual({ ok: true, value: true });
  });

  it("signs the body before the time, not the time before the body", async () => {
    const swapped = `v=${NOW_MS},d=${createHmac("sha256", API_KEY).update(`${NOW_MS}${BODY}`).digest("hex")}`;
    expect(await verifyWith(retell, parts(swapped), [API_KEY], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects a changed body, a changed time and another API key", async () => {
    expect(await verifyWith(retell, parts(header(), event("call_analyzed")), [API_KEY], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
    const moved = `v=${NOW_MS + 1},d=${digest(BODY, NOW_MS)}`;
    expect(await verifyWith(retell, parts(moved), [API_KEY], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
    expect(await verifyWith(retell, parts(header(NOW_MS, BODY, PREVIOUS)), [API_KEY], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("refuses times more than 5 minutes old or ahead", async () => {
    expect(await verifyWith(retell, parts(), [API_KEY], NOW + 301)).toMatchObject({
      error: { reason: "stale" },
    });
    expect(await verifyWith(retell, parts(), [API_KEY], NOW - 301)).toMatchObject({
      error: { reason: "future" },
    });
    expect((await verifyWith(retell, parts(), [API_KEY], NOW + 300)).ok).toBe(true);
  });

  it("reports a missing header and headers without a time or a hex digest", async () => {
    expect(await verifyWith(retell, parts(null), [API_KEY], NOW)).toMatchObject({
      error: { reason: "missing_header", header: "x-retell-signature" },
    });
    const hex = digest(BODY, NOW_MS);
    const base64 = Buffer.from(hex, "hex").toString("base64");
    for (const signature of [
      hex,
      `d=${hex}`,
      `v=soon,d=${hex}`,
      `v=${NOW_MS},d=${base64}`,
      `t=${NOW_MS},v1=${hex}`,
    ]) {
      expect(await verifyWith(retell, parts(signature), [API_KEY], NOW)).toMatchObject({
        error: { reason: "malformed_header", header: "x-retell-signature" },
      });
    }
  });

  it("accepts the previous API key during a rotation", async () => {
    const signature = header(NOW_MS, BODY, PREVIOUS);
    expect((await verifyWith(retell, parts(signature), [API_KEY, PREVIOUS], NOW)).ok).toBe(true);
  });

  it("identifies once-per-call events by event and call id, others by the body digest", () => {
    expect(identifyWith(retell, parts())).toMatchObject({
      ok: true,
      value: { id: "call_ended:Jabr9TXYYJHfvl6Syypi88rdAHYHmcq6", type: "call_ended" },
    });
    expect(identifyWith(retell, parts(header(), event("transcript_updated")))).toMatchObject({
      ok: true,
      value: { id: undefined, type: "transcript_updated" },
    });
    expect(identifyWith(retell, parts(header(), "<xml/>"))).toMatchObject({
      error: { reason: "invalid_body" },
    });
  });
});
