/**
 * A captured, validly signed request re-sent with only its unsigned headers changed (Content-Type, a
 * message-type header) must not become a second event, nor an event of another kind; and a Twilio
 * signature that covers only the URL must not vouch for a body.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { BASE, post, slackEvent, uniqueClientIp } from "../support/signed-requests";

const TWITCH_SECRET = "twitch-test-eventsub-secret";
const TWILIO_TOKEN = "twilio-test-auth-token";
const presetEnv = { ...env, TWITCH_WEBHOOK_SECRET: TWITCH_SECRET, TWILIO_WEBHOOK_SECRET: TWILIO_TOKEN };

async function answerOf(request: Request, withPresets = false) {
  request.headers.set("cf-connecting-ip", uniqueClientIp());
  const ctx = createExecutionContext();
  const response = withPresets
    ? await worker.fetch(request, presetEnv, ctx)
    : await exports.default.fetch(request);
  await waitOnExecutionContext(ctx);
  return { status: response.status, text: await response.text() };
}

describe("captured requests re-sent with other unsigned headers", () => {
  it("Slack: an event re-sent as a form keeps its event_id, so it is a duplicate", async () => {
    const captured = slackEvent();
    expect((await answerOf(post(captured))).status).toBe(202);
    const asForm = {
      ...captured,
      headers: { ...captured.headers, "content-type": "application/x-www-form-urlencoded" },
    };
    expect(await answerOf(post(asForm))).toMatchObject({
      status: 200,
      text: expect.stringContaining("duplicate"),
    });
  });

  it("Twitch: a verification re-sent as a notification is answered as the handshake, never accepted", async () => {
    const id = crypto.randomUUID();
    const timestamp = new Date().toISOString();
    const body = JSON.stringify({
      challenge: "pogchamp-kappa-360noscope-vohiyo",
      subscription: { id: "f1c2", type: "channel.follow", version: "2" },
    });
    const signature = `sha256=${createHmac("sha256", TWITCH_SECRET)
      .update(id + timestamp + body)
      .digest("hex")}`;
    const request = (messageType: string) =>
      new Request(`${BASE}/webhooks/twitch`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "twitch-eventsub-message-id": id,
          "twitch-eventsub-message-timestamp": timestamp,
          "twitch-eventsub-message-signature": signature,
          "twitch-eventsub-message-type": messageType,
        },
        body,
      });
    for (const messageType of ["webhook_callback_verification", "notification", "revocation"]) {
      expect(await answerOf(request(messageType), true)).toEqual({
        status: 200,
        text: "pogchamp-kappa-360noscope-vohiyo",
      });
    }
  });

  it("Twilio: a signature over the bare URL does not vouch for a JSON body (no bodySHA256)", async () => {
    const url = `${BASE}/webhooks/twilio`;
    const signature = createHmac("sha1", TWILIO_TOKEN).update(url).digest("base64");
    const forged = new Request(url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-twilio-signature": signature },
      body: JSON.stringify({ EventType: "forged", n: crypto.randomUUID() }),
    });
    expect((await answerOf(forged, true)).status).toBe(401);
  });
});
