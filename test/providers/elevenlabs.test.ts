import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { elevenlabs } from "../../src/providers/elevenlabs";
import { identifyWith, verifyWith } from "../support/verify-with";

// ElevenLabs publishes the recipe but no vector: `ElevenLabs-Signature: t=<unix>,v0=<hex HMAC-SHA256(secret,
// "<t>.<raw body>")>`, timestamps older than 30 minutes refused.
// https://elevenlabs.io/docs/agents-platform/workflows/post-call-webhooks and the SDK's check,
// elevenlabs/elevenlabs-js src/wrapper/webhooks.ts (`webhooks.constructEvent`). Signed here with node:crypto
// (the SDK is not a dependency). The body follows the docs' `post_call_transcription` example.
const SECRET = "wsec_8d0f4c6b2a9e4f1d8c7b6a5e4d3c2b1a";
const PREVIOUS = "wsec_previous_0123456789abcdef";
const NOW = 1_739_537_297;
const event = (type = "post_call_transcription") =>
  JSON.stringify({
    type,
    event_timestamp: NOW,
    data: {
      agent_id: "xyz",
      conversation_id: "abc",
      status: "done",
      transcript: [{ role: "agent", message: "Hey there angelo. How are you?", time_in_call_secs: 0 }],
    },
  });
const BODY = event();
const v0 = (timestamp: number, body: string, secret = SECRET) =>
  createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
const header = (timestamp = NOW, body = BODY, secret = SECRET) =>
  `t=${timestamp},v0=${v0(timestamp, body, secret)}`;
const parts = (signature: string | null = header(), body = BODY) => ({
  headers: signature === null ? ({} as Record<string, string>) : { "elevenlabs-signature": signature },
  body,
});

describe("elevenlabs verifier", () => {
  it("accepts an event signed with the documented recipe", async () => {
    expect(await verifyWith(elevenlabs, parts(), [SECRET], NOW)).toEqual({ ok: true, value: true });
  });

  it("rejects a changed body, a changed timestamp and another secret", async () => {
    expect(
      await verifyWith(elevenlabs, parts(header(), event("post_call_audio")), [SECRET], NOW),
    ).toMatchObject({
      error: { reason: "bad_signature" },
    });
    const moved = `t=${NOW + 1},v0=${v0(NOW, BODY)}`;
    expect(await verifyWith(elevenlabs, parts(moved), [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
    expect(await verifyWith(elevenlabs, parts(header(NOW, BODY, "wrong")), [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("refuses timestamps more than 30 minutes old or ahead", async () => {
    expect(await verifyWith(elevenlabs, parts(), [SECRET], NOW + 1801)).toMatchObject({
      error: { reason: "stale" },
    });
    expect(await verifyWith(elevenlabs, parts(), [SECRET], NOW - 1801)).toMatchObject({
      error: { reason: "future" },
    });
    expect((await verifyWith(elevenlabs, parts(), [SECRET], NOW + 1800)).ok).toBe(true);
  });

  it("reports a missing header and headers without t or a v0 hex digest", async () => {
    expect(await verifyWith(elevenlabs, parts(null), [SECRET], NOW)).toMatchObject({
      error: { reason: "missing_header", header: "elevenlabs-signature" },
    });
    const digest = v0(NOW, BODY);
    for (const signature of [digest, `t=${NOW},v1=${digest}`, `v0=${digest}`, `t=soon,v0=${digest}`]) {
      expect(await verifyWith(elevenlabs, parts(signature), [SECRET], NOW)).toMatchObject({
        error: { reason: "malformed_header", header: "elevenlabs-signature" },
      });
    }
  });

  it("accepts the previous secret during a rotation", async () => {
    const signature = header(NOW, BODY, PREVIOUS);
    expect((await verifyWith(elevenlabs, parts(signature), [SECRET, PREVIOUS], NOW)).ok).toBe(true);
  });

  it("identifies an event by its type and conversation, else by the body digest", () => {
    expect(identifyWith(elevenlabs, parts())).toMatchObject({
      ok: true,
      value: { id: "post_call_transcription:abc", type: "post_call_transcription" },
    });
    const other = JSON.stringify({ type: "call_initiation_failure", data: { agent_id: "xyz" } });
    expect(identifyWith(elevenlabs, parts(header(), other))).toMatchObject({
      ok: true,
      value: { id: undefined, type: "call_initiation_failure" },
    });
    expect(identifyWith(elevenlabs, parts(header(), "not json"))).toMatchObject({
      error: { reason: "invalid_body" },
    });
  });
});
