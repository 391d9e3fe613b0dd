/**
 * Sends one alert: to a Slack incoming webhook as `{ text }`, anywhere else as JSON signed the Standard
 * Webhooks way with ALERT_SIGNING_SECRET (or AGENT_SIGNING_SECRET), so a receiver can check it came from
 * this gateway. Throws when the receiver does not answer 2xx; the caller retries later.
 */
import { isAllowedAgentUrl } from "../handlers/forward-to-agent";
import { bytesToHex, utf8 } from "../verify/encoding";
import { decodeWhsecSecret, signStandardWebhook } from "../verify/standard-webhooks";
import type { AlertMessage } from "./incident";

const POST_TIMEOUT_MS = 10_000;

const isSlackWebhook = (url: URL) => url.hostname === "hooks.slack.com";

/** Slack's mrkdwn: `<url|label>` links; `&`, `<`, `>` escaped in text. */
function slackText(message: AlertMessage): string {
  const escapeMrkdwn = (text: string) =>
    text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const counted = message.count === 1 ? "1 event" : `${message.count} events`;
  const link = /^https?:\/\//.test(message.link) ? `<${message.link}|open in the dashboard>` : message.link;
  return `:rotating_light: Hookgate: ${escapeMrkdwn(message.title)} (${counted}; ${message.total} since ${message.first_at}). ${link}`;
}

function signingSecret(env: Env) {
  for (const name of ["ALERT_SIGNING_SECRET", "AGENT_SIGNING_SECRET"]) {
    const value: unknown = Reflect.get(env, name);
    if (typeof value === "string" && value) return decodeWhsecSecret(value);
  }
  return null;
}

export async function postAlert(env: Env, destination: string, message: AlertMessage, messageId: string) {
  if (!isAllowedAgentUrl(destination))
    throw new Error("ALERT_WEBHOOK_URL must be an https URL (plain http only to loopback)");
  const url = new URL(destination);
  const headers: Record<string, string> = { "content-type": "application/json", "user-agent": "Hookgate" };
  let body: Uint8Array;
  if (isSlackWebhook(url)) {
    body = utf8.encode(JSON.stringify({ text: slackText(message) }));
  } else {
    body = utf8.encode(JSON.stringify(message));
    const secret = signingSecret(env);
    if (!secret) throw new Error("set ALERT_SIGNING_SECRET (whsec_…) to sign alerts");
    const id = `alert_${bytesToHex(await crypto.subtle.digest("SHA-256", utf8.encode(messageId))).slice(0, 32)}`;
    const timestamp = Math.floor(Date.now() / 1000);
    headers["webhook-id"] = id;
    headers["webhook-timestamp"] = String(timestamp);
    headers["webhook-signature"] = await signStandardWebhook(secret, id, timestamp, body);
  }
  const response = await fetch(url, {
    method: "POST",
    redirect: "manual",
    signal: AbortSignal.timeout(POST_TIMEOUT_MS),
    headers,
    body,
  });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`alert receiver answered ${response.status}`);
}
