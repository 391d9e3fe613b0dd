/**
 * Request builders for the rows of docs/bad-inputs.md added by the security hardening (issue 10):
 * event ids, signature counts and parse bounds. bad-inputs.test.ts merges them into its table.
 */
import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { createHmac } from "node:crypto";
import worker from "../../src/index";
import { BASE, nowSeconds, post, standardEvent, stripeEvent } from "../support/signed-requests";

const send = (request: Request) => exports.default.fetch(request);
/** Mailgun and Twilio are not bound in the test config; these rows give them a secret. */
const withPreset = (request: Request, variable: string) =>
  worker.fetch(request, { ...env, [variable]: "preset-test-secret" }, createExecutionContext());
const fakeHex = (n: number) => n.toString(16).padStart(64, "0");

export const hardeningInputs: Record<string, () => Promise<Response>> = {
  "event id with a lone UTF-16 surrogate, signed": async () =>
    send(post(await stripeEvent({ id: `evt_sur\ud800${crypto.randomUUID()}`, type: "x.y" }))),
  "event id `..`, signed": async () => send(post(await stripeEvent({ id: "..", type: "x.y" }))),
  "2,000 `v1=` entries in one `Stripe-Signature`": async () => {
    const entries = Array.from({ length: 2000 }, (_, n) => `v1=${fakeHex(n)}`).join(",");
    const fixture = await stripeEvent();
    return send(
      post({
        ...fixture,
        headers: { ...fixture.headers, "stripe-signature": `t=${nowSeconds()},${entries}` },
      }),
    );
  },
  "`Stripe-Signature` repeated in 7 headers": async () => {
    const request = post(await stripeEvent());
    const header = request.headers.get("stripe-signature") ?? "";
    for (let i = 0; i < 6; i++) request.headers.append("stripe-signature", header);
    return send(request);
  },
  "2,000 signatures in one `webhook-signature`": async () => {
    const fixture = standardEvent();
    const entries = Array.from({ length: 2000 }, () => `v1,${btoa("x".repeat(32))}`).join(" ");
    return send(post({ ...fixture, headers: { ...fixture.headers, "webhook-signature": entries } }));
  },
  "Mailgun JSON nested 5,000 deep (parsed before verifying)": async () =>
    withPreset(
      new Request(`${BASE}/webhooks/mailgun`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: `{"signature":${"[".repeat(5000)}${"]".repeat(5000)}}`,
      }),
      "MAILGUN_WEBHOOK_SECRET",
    ),
  "Twilio form with 75,000 fields (parsed before verifying)": async () =>
    withPreset(
      new Request(`${BASE}/webhooks/twilio`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-twilio-signature": btoa("x".repeat(20)),
        },
        body: Array.from({ length: 75_000 }, (_, n) => `f${n}=1`).join("&"),
      }),
      "TWILIO_WEBHOOK_SECRET",
    ),
  "Twilio JSON body without `bodySHA256`, signed over the URL alone": async () =>
    withPreset(
      new Request(`${BASE}/webhooks/twilio`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-twilio-signature": createHmac("sha1", "preset-test-secret")
            .update(`${BASE}/webhooks/twilio`)
            .digest("base64"),
        },
        body: JSON.stringify({ EventType: "forged" }),
      }),
      "TWILIO_WEBHOOK_SECRET",
    ),
};
