/**
 * Presets whose signature does not cover the event id: one signed content is one event, whatever id an
 * unsigned header or body field claims, while the provider's own retries stay plain duplicates.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { BASE, githubEvent, nowSeconds, post } from "../support/signed-requests";

const TWILIO_TOKEN = "twilio-test-auth-token";
const MAILGUN_KEY = "mailgun-test-signing-key";
const presetEnv = { ...env, TWILIO_WEBHOOK_SECRET: TWILIO_TOKEN, MAILGUN_WEBHOOK_SECRET: MAILGUN_KEY };

async function statusOf(request: Request, withPresets = false) {
  const ctx = createExecutionContext();
  const response = withPresets
    ? await worker.fetch(request, presetEnv, ctx)
    : await exports.default.fetch(request);
  await waitOnExecutionContext(ctx);
  await response.body?.cancel();
  return response.status;
}

describe("signed content replayed under a new id", () => {
  it("GitHub: a captured delivery re-sent with a new X-GitHub-Delivery and event is a duplicate", async () => {
    const captured = await githubEvent({ action: "opened", nonce: crypto.randomUUID() });
    expect(await statusOf(post(captured))).toBe(202);
    expect(await statusOf(post(captured))).toBe(200);
    const replayed = {
      ...captured,
      headers: { ...captured.headers, "x-github-delivery": "replayed-2", "x-github-event": "deployment" },
    };
    expect(await statusOf(post(replayed))).toBe(200);
    expect(await statusOf(post(await githubEvent({ action: "opened", nonce: crypto.randomUUID() })))).toBe(
      202,
    );
  });

  it("Twilio: four encodings of one signed form under four idempotency tokens are one event", async () => {
    const url = `${BASE}/webhooks/twilio`;
    const sid = `SM${crypto.randomUUID().replaceAll("-", "")}`;
    const params = { Body: "hello world", MessageSid: sid, MessageStatus: "delivered" };
    const canonical = Object.entries(params)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, value]) => name + value)
      .join("");
    const signature = createHmac("sha1", TWILIO_TOKEN)
      .update(url + canonical)
      .digest("base64");
    const encodings = [
      `Body=hello+world&MessageSid=${sid}&MessageStatus=delivered`,
      `Body=hello%20world&MessageSid=${sid}&MessageStatus=delivered`,
      `MessageStatus=delivered&MessageSid=${sid}&Body=hello+world`,
      `%42ody=hello+world&MessageSid=${sid}&MessageStatus=deliver%65d`,
    ];
    const statuses: number[] = [];
    for (const [n, body] of encodings.entries()) {
      const headers = {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": signature,
        "i-twilio-idempotency-token": `token-${n}-${sid}`,
      };
      statuses.push(await statusOf(new Request(url, { method: "POST", headers, body }), true));
    }
    expect(statuses).toEqual([202, 200, 200, 200]);
  });

  it("Mailgun: one signature carries one event, whatever `event-data.id` the body claims", async () => {
    const timestamp = String(nowSeconds());
    const token = crypto.randomUUID().replaceAll("-", "");
    const signature = createHmac("sha256", MAILGUN_KEY)
      .update(timestamp + token)
      .digest("hex");
    const body = (id: string) =>
      JSON.stringify({
        signature: { timestamp, token, signature },
        "event-data": { id, event: "delivered" },
      });
    const send = (id: string) =>
      statusOf(
        new Request(`${BASE}/webhooks/mailgun`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: body(id),
        }),
        true,
      );
    expect(await send(`real-${token}`)).toBe(202);
    expect(await send(`forged-${token}`)).toBe(200);
    expect(await send(`real-${token}`)).toBe(200);
  });
});
