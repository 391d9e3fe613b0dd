import { Webhook } from "standardwebhooks";
import { Webhook as SvixWebhook } from "svix";
import { describe, expect, it } from "vitest";
import { recall } from "../../src/providers/recall";
import { identifyWith, verifyWith } from "../support/verify-with";

// Recall.ai signs every webhook, websocket and callback with the Standard Webhooks headers and a workspace
// `whsec_` secret; workspaces from before its single-secret change get bot-status webhooks from Svix as `svix-*`
// (https://docs.recall.ai/docs/authenticating-requests-from-recallai). Signed here with the official
// `standardwebhooks` and `svix` SDKs. The body follows https://docs.recall.ai/docs/bot-status-change-events.
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const PREVIOUS = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const NOW = 1_731_705_121;
const ID = "msg_loFOjxBNrRLzqYUf";
const event = (name = "bot.done") =>
  JSON.stringify({
    event: name,
    data: {
      data: { code: "done", sub_code: null, updated_at: "2024-11-15T21:12:01.000Z" },
      bot: { id: "8f0b9c1e-4a55-4b8e-9b0a-2b6c1f3d5e7a", metadata: {} },
    },
  });
const BODY = event();

function signed({ body = BODY, secret = SECRET, timestamp = NOW, id = ID, family = "webhook" } = {}) {
  const sdk = family === "svix" ? new SvixWebhook(secret) : new Webhook(secret);
  const signature = sdk.sign(id, new Date(timestamp * 1000), body);
  return {
    headers: {
      [`${family}-id`]: id,
      [`${family}-timestamp`]: String(timestamp),
      [`${family}-signature`]: signature,
    },
    body,
  };
}

describe("recall verifier", () => {
  it("accepts webhook-* deliveries and legacy svix-* ones", async () => {
    expect(await verifyWith(recall, signed(), [SECRET], NOW)).toEqual({ ok: true, value: true });
    expect(await verifyWith(recall, signed({ family: "svix" }), [SECRET], NOW)).toEqual({
      ok: true,
      value: true,
    });
  });

  it("rejects a changed body, a changed message id and another secret", async () => {
    expect(await verifyWith(recall, { ...signed(), body: event("bot.fatal") }, [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
    const moved = signed();
    moved.headers["webhook-id"] = "msg_other";
    expect(await verifyWith(recall, moved, [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
    expect(await verifyWith(recall, signed({ secret: PREVIOUS }), [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects stale and future timestamps", async () => {
    expect(await verifyWith(recall, signed({ timestamp: NOW - 301 }), [SECRET], NOW)).toMatchObject({
      error: { reason: "stale" },
    });
    expect(await verifyWith(recall, signed({ timestamp: NOW + 301 }), [SECRET], NOW)).toMatchObject({
      error: { reason: "future" },
    });
  });

  it("reports a missing signature", async () => {
    const { "webhook-signature": _, ...headers } = signed().headers;
    expect(await verifyWith(recall, { headers, body: BODY }, [SECRET], NOW)).toMatchObject({
      error: { reason: "missing_header", header: "webhook-signature" },
    });
  });

  it("accepts the previous secret during a rotation", async () => {
    expect((await verifyWith(recall, signed({ secret: PREVIOUS }), [SECRET, PREVIOUS], NOW)).ok).toBe(true);
  });

  it("identifies a delivery by its signed message id and types it by body event", () => {
    expect(identifyWith(recall, signed())).toMatchObject({ ok: true, value: { id: ID, type: "bot.done" } });
    expect(identifyWith(recall, signed({ family: "svix", body: event("transcript.done") }))).toMatchObject({
      ok: true,
      value: { id: ID, type: "transcript.done" },
    });
    expect(identifyWith(recall, signed({ body: "{}" }))).toMatchObject({ value: { type: "unknown" } });
  });
});
