/**
 * Signed-fixture builders: one per scheme, each using the provider's official SDK where one exists
 * (stripe, standardwebhooks, @octokit/webhooks-methods) and the documented algorithm otherwise.
 */
import { createHmac } from "node:crypto";
import { sign as signGithub } from "@octokit/webhooks-methods";
import { Webhook } from "standardwebhooks";
import Stripe from "stripe";
import { TEST_SECRETS } from "./test-secrets";

export const BASE = "https://hookgate.test";
export const nowSeconds = () => Math.floor(Date.now() / 1000);

export type Fixture = { path: string; headers: Record<string, string>; body: string | Uint8Array };

export function post({ path, headers, body }: Fixture): Request {
  return new Request(`${BASE}${path}`, { method: "POST", headers, body });
}

export async function githubEvent(
  // A fresh issue id per call: GitHub signs the body alone, so one body is one event (signed-content dedup).
  payload: unknown = { action: "opened", issue: { number: 1, id: crypto.randomUUID() } },
  { id = crypto.randomUUID(), event = "issues", secret = TEST_SECRETS.GITHUB_WEBHOOK_SECRET } = {},
): Promise<Fixture> {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  return {
    path: "/webhooks/github",
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": id,
      "x-hub-signature-256": await signGithub(secret, body),
    },
    body,
  };
}

const stripeClient = new Stripe("sk_test_unused");

export async function stripeEvent(
  payload: Record<string, unknown> = {
    id: `evt_${crypto.randomUUID()}`,
    type: "customer.created",
    object: "event",
  },
  { secret = TEST_SECRETS.STRIPE_WEBHOOK_SECRET, timestamp = nowSeconds() } = {},
): Promise<Fixture> {
  const body = JSON.stringify(payload);
  const header = await stripeClient.webhooks.generateTestHeaderStringAsync({
    payload: body,
    secret,
    timestamp,
  });
  return {
    path: "/webhooks/stripe",
    headers: { "content-type": "application/json", "stripe-signature": header },
    body,
  };
}

export function slackEvent(
  payload: unknown = {
    type: "event_callback",
    event_id: `Ev${crypto.randomUUID()}`,
    event: { type: "app_mention" },
  },
  {
    secret = TEST_SECRETS.SLACK_SIGNING_SECRET,
    timestamp = nowSeconds(),
    contentType = "application/json",
  } = {},
): Fixture {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  const signature = `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
  return {
    path: "/webhooks/slack",
    headers: {
      "content-type": contentType,
      "x-slack-signature": signature,
      "x-slack-request-timestamp": String(timestamp),
    },
    body,
  };
}

export function shopifyEvent(
  payload: unknown = { id: crypto.randomUUID(), email: "jon@example.com" },
  { id = crypto.randomUUID(), topic = "orders/create", secret = TEST_SECRETS.SHOPIFY_WEBHOOK_SECRET } = {},
): Fixture {
  const body = JSON.stringify(payload);
  return {
    path: "/webhooks/shopify",
    headers: {
      "content-type": "application/json",
      "x-shopify-topic": topic,
      "x-shopify-webhook-id": id,
      "x-shopify-hmac-sha256": createHmac("sha256", secret).update(body).digest("base64"),
    },
    body,
  };
}

export function standardEvent(
  payload: unknown = { type: "user.created", data: { id: "u_1" } },
  {
    id = `msg_${crypto.randomUUID()}`,
    secret = TEST_SECRETS.STANDARD_WEBHOOK_SECRET,
    timestamp = new Date(),
    prefix = "webhook",
  } = {},
): Fixture {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  const signature = new Webhook(secret).sign(id, timestamp, body);
  return {
    path: "/webhooks/standard",
    headers: {
      "content-type": "application/json",
      [`${prefix}-id`]: id,
      [`${prefix}-timestamp`]: String(Math.floor(timestamp.getTime() / 1000)),
      [`${prefix}-signature`]: signature,
    },
    body,
  };
}

export function genericEvent(
  payload: unknown = { id: `gen_${crypto.randomUUID()}`, type: "thing.happened" },
  {
    secret = TEST_SECRETS.GENERIC_WEBHOOK_SECRET,
    prefix = "sha256=",
    headers = {} as Record<string, string>,
  } = {},
): Fixture {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  return {
    path: "/webhooks/generic",
    headers: {
      "content-type": "application/json",
      "x-webhook-signature": `${prefix}${createHmac("sha256", secret).update(body).digest("hex")}`,
      ...headers,
    },
    body,
  };
}

/**
 * A client address no other test uses (an IPv6 documentation address with 64 random bits): test files
 * share one runtime, and with it the failed-auth limiter's counts per client.
 */
export const uniqueClientIp = () =>
  `2001:db8::${Array.from(crypto.getRandomValues(new Uint16Array(4)), (n) => n.toString(16)).join(":")}`;
