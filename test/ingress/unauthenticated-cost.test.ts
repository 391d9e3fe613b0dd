/**
 * An unauthenticated request may cost at most a small multiple of a valid one. Cost is counted as the
 * WebCrypto operations (HMAC signs and verifies, digests) the pure verifiers run, not as wall-clock time.
 */
import { createHmac } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { mailgun } from "../../src/providers/mailgun";
import { pagerduty } from "../../src/providers/pagerduty";
import type { Provider } from "../../src/providers/provider";
import { standardWebhooks } from "../../src/providers/standard-webhooks";
import { stripe } from "../../src/providers/stripe";
import { twilio } from "../../src/providers/twilio";
import { type RequestParts, verifyWith } from "../support/verify-with";

const NOW = 1_700_000_000;
const SECRETS = ["current-secret", "previous-secret"];
const WHSEC = [`whsec_${btoa("current-secret")}`, `whsec_${btoa("previous-secret")}`];
const MiB = 1024 * 1024;
const bigBody = JSON.stringify({ id: "evt_1", type: "x.y", pad: "x".repeat(MiB - 100) });
const hmacHex = (secret: string, data: string) => createHmac("sha256", secret).update(data).digest("hex");
const fakeHex = (n: number) => n.toString(16).padStart(64, "0");

let operations = 0;
beforeEach(() => {
  operations = 0;
  for (const method of ["sign", "verify", "digest"] as const) {
    const original = crypto.subtle[method].bind(crypto.subtle) as (...args: unknown[]) => unknown;
    vi.spyOn(crypto.subtle, method).mockImplementation(((...args: unknown[]) => {
      operations++;
      return original(...args);
    }) as never);
  }
});
afterEach(() => vi.restoreAllMocks());

async function cost(provider: Provider, parts: RequestParts, secrets = SECRETS) {
  operations = 0;
  const result = await verifyWith(provider, parts, secrets, NOW);
  return { ok: result.ok, reason: result.ok ? null : result.error.reason, operations };
}

const stripeParts = (signatures: string): RequestParts => ({
  headers: { "stripe-signature": `t=${NOW},${signatures}` },
  body: bigBody,
});

describe("the cost of an unauthenticated request", () => {
  it("Stripe: thousands of fake v1 entries cost no HMAC; eight cost as much as one", async () => {
    const valid = await cost(stripe, stripeParts(`v1=${hmacHex(SECRETS[0]!, `${NOW}.${bigBody}`)}`));
    expect(valid).toMatchObject({ ok: true });
    const eight = await cost(
      stripe,
      stripeParts(Array.from({ length: 8 }, (_, n) => `v1=${fakeHex(n)}`).join(",")),
    );
    expect(eight).toMatchObject({ ok: false, reason: "bad_signature" });
    expect(eight.operations).toBeLessThanOrEqual(2 * valid.operations);
    const many = await cost(
      stripe,
      stripeParts(Array.from({ length: 2000 }, (_, n) => `v1=${fakeHex(n)}`).join(",")),
    );
    expect(many).toMatchObject({ ok: false, reason: "too_many_signatures", operations: 0 });
    const repeated = Array.from({ length: 7 }, () => `t=${NOW},v1=${fakeHex(1)}`).join(", ");
    expect(await cost(stripe, { headers: { "stripe-signature": repeated }, body: bigBody })).toMatchObject({
      ok: false,
      operations: 0,
    });
  });

  it("Standard Webhooks and PagerDuty: a list of 2,000 signatures is refused before any HMAC", async () => {
    const entries = Array.from({ length: 2000 }, () => `v1,${btoa("x".repeat(32))}`).join(" ");
    const headers = { "webhook-id": "msg_1", "webhook-timestamp": String(NOW), "webhook-signature": entries };
    expect(await cost(standardWebhooks, { headers, body: bigBody }, WHSEC)).toMatchObject({
      reason: "too_many_signatures",
      operations: 0,
    });
    const pd = Array.from({ length: 2000 }, (_, n) => `v1=${fakeHex(n)}`).join(",");
    expect(await cost(pagerduty, { headers: { "x-pagerduty-signature": pd }, body: bigBody })).toMatchObject({
      reason: "too_many_signatures",
      operations: 0,
    });
  });

  it("Mailgun and Twilio: bodies parsed before verifying are bounded in depth and field count", async () => {
    const deep = `{"signature":${"[".repeat(5000)}${"]".repeat(5000)}}`;
    expect(await cost(mailgun, { headers: {}, body: deep })).toMatchObject({
      reason: "body_too_complex",
      operations: 0,
    });
    const fields = Array.from({ length: 75_000 }, (_, n) => `f${n}=1`).join("&");
    const headers = {
      "content-type": "application/x-www-form-urlencoded",
      "x-twilio-signature": btoa("x".repeat(20)),
    };
    expect(await cost(twilio, { headers, body: fields })).toMatchObject({
      reason: "body_too_complex",
      operations: 0,
    });
  });

  it("a forged request costs at most the HMACs of a valid one per configured secret", async () => {
    const forged = await cost(stripe, stripeParts(`v1=${fakeHex(7)}`));
    const valid = await cost(stripe, stripeParts(`v1=${hmacHex(SECRETS[0]!, `${NOW}.${bigBody}`)}`));
    expect(forged.operations).toBeLessThanOrEqual(SECRETS.length * valid.operations);
    expect(await cost(stripe, stripeParts(`v1=${fakeHex(7)}`), SECRETS.slice(0, 1))).toMatchObject({
      operations: valid.operations,
    });
  });
});
