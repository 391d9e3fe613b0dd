/**
 * The built-in `forward` handler: POSTs `{id, source, type, received_at, payload, untrusted, provenance}` to `AGENT_ENDPOINT_URL`,
 * signed the Standard Webhooks way: `v1a` (Ed25519) with `AGENT_SIGNING_KEY` (and `_PREVIOUS` during a
 * rotation), `v1` (HMAC) with `AGENT_SIGNING_SECRET`; at least one is required. `webhook-id` is derived from the
 * idempotency key, so it stays the same across retries of one (event, handler).
 * 2xx is success; anything else, or a timeout, is retried, honouring `Retry-After`. The one exception is
 * 410 Gone, which dead-letters the event at once. Every attempt tells the operator's view where it went,
 * the status and the first 1 KB of the answer, and failures are phrased for people ("no connection to
 * 127.0.0.1:8788/agent"), not as runtime exception names.
 */
import { settingsFrom } from "../config/settings";
import { signStandardWebhookEd25519 } from "../verify/ed25519-signing-key";
import { bytesToHex, concatBytes, utf8 } from "../verify/encoding";
import { decodeWhsecSecret, signStandardWebhook } from "../verify/standard-webhooks";
import { type AgentSigningKeys, agentSigningKeys, usableKeys } from "./agent-signing-keys";
import {
  type AgentHandler,
  type ForwardedEnvelope,
  type HandlerContext,
  RESPONSE_EXCERPT_BYTES,
} from "./envelope";
import { GiveUp, RetryLater } from "./handler-error";

export const FORWARD_HANDLER_NAME = "forward";

function agentConfig(env: Env) {
  const url: unknown = Reflect.get(env, "AGENT_ENDPOINT_URL");
  const secret: unknown = Reflect.get(env, "AGENT_SIGNING_SECRET");
  return {
    url: typeof url === "string" && url.length > 0 ? url : undefined,
    secret: typeof secret === "string" ? decodeWhsecSecret(secret) : null,
    secretSet: typeof secret === "string" && secret.length > 0,
  };
}

/**
 * The `webhook-signature` value: `v1a,…` per Ed25519 key (current, then previous during a rotation) and
 * `v1,…` when an HMAC secret is set, space-separated. Throws (and so retries) rather than send unsigned.
 */
async function signatureFor(
  env: Env,
  keys: AgentSigningKeys,
  messageId: string,
  timestamp: number,
  body: Uint8Array,
): Promise<string> {
  const { secret, secretSet } = agentConfig(env);
  if (keys.current === "invalid" || keys.previous === "invalid")
    throw new Error("AGENT_SIGNING_KEY (or its _PREVIOUS) is not a whsk_ Ed25519 key");
  if (secretSet && !secret) throw new Error("AGENT_SIGNING_SECRET is not a whsec_ base64 secret");
  if (!keys.current && !secret)
    throw new Error(
      "neither AGENT_SIGNING_KEY nor AGENT_SIGNING_SECRET is set: Hookgate never forwards unsigned",
    );
  const signed = concatBytes(`${messageId}.${timestamp}.`, body);
  const entries = await Promise.all(usableKeys(keys).map((key) => signStandardWebhookEd25519(key, signed)));
  if (secret) entries.push(await signStandardWebhook(secret, messageId, timestamp, body));
  return entries.join(" ");
}

export const isForwardEnabled = (env: Env): boolean => agentConfig(env).url !== undefined;

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** https anywhere; plain http only to loopback (local development); never credentials in the URL. */
export function isAllowedAgentUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  if (url.username || url.password) return false;
  return url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK.has(url.hostname));
}

/** `msg_` + 32 hex chars of SHA-256(idempotency key): stable per (event, handler), opaque to the agent. */
export async function webhookIdFor(idempotencyKey: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", utf8.encode(idempotencyKey));
  return `msg_${bytesToHex(digest).slice(0, 32)}`;
}

/** Seconds from a `Retry-After` header (delta-seconds or HTTP date), if present and sane. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/**
 * A header value for any key: printable ASCII stays as it is; anything else (ids may be any Unicode) is
 * percent-encoded as UTF-8, so the header is the same bytes on every runtime and every retry.
 */
export function headerSafe(value: string): string {
  return value.replace(/[^\x20-\x7e]+/gu, (run) => encodeURIComponent(run));
}

/** `host[:port]/path` of a URL: how operators recognise a destination, without query or scheme noise. */
export function destinationLabel(url: string): string {
  const { host, pathname } = new URL(url);
  return `${host}${pathname === "/" ? "" : pathname}`;
}

/** The first `RESPONSE_EXCERPT_BYTES` of a response body as text; the rest is never read. */
async function responseExcerpt(response: Response): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < RESPONSE_EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes.subarray(0, RESPONSE_EXCERPT_BYTES));
}

export const forward: AgentHandler = async function forward(event, context: HandlerContext) {
  const { url } = agentConfig(context.env);
  if (!url) throw new Error("AGENT_ENDPOINT_URL is not set");
  if (!isAllowedAgentUrl(url))
    throw new Error("AGENT_ENDPOINT_URL must be an https URL (plain http only to loopback)");
  const envelope: ForwardedEnvelope = {
    id: event.id,
    source: event.source,
    type: event.type,
    received_at: event.receivedAt,
    payload: event.payload,
    untrusted: [...event.untrusted],
    provenance: event.provenance,
  };
  const body = utf8.encode(JSON.stringify(envelope));
  const messageId = await webhookIdFor(context.idempotencyKey);
  const timestamp = Math.floor(Date.now() / 1000);
  const destination = destinationLabel(url);
  context.describeAttempt({ destination: url.split("?")[0] });
  const timeoutMs = settingsFrom(context.env).AGENT_TIMEOUT_MS;
  const keys = await agentSigningKeys(context.env);
  const signature = await signatureFor(context.env, keys, messageId, timestamp, body);
  const keyId: Record<string, string> =
    keys.current && keys.current !== "invalid" ? { "webhook-key-id": keys.current.kid } : {};
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        "content-type": "application/json",
        "user-agent": "Hookgate",
        "webhook-id": messageId,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": signature,
        ...keyId,
        "idempotency-key": headerSafe(context.idempotencyKey),
      },
      body,
    });
  } catch (error) {
    if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))
      throw new RetryLater(`no answer from ${destination} within ${timeoutMs} ms (timeout)`);
    const cause = error instanceof Error ? error.message.replace(/\.$/, "") : String(error);
    throw new RetryLater(`no connection to ${destination} (${cause.toLowerCase()})`);
  }
  context.describeAttempt({
    destination: url.split("?")[0],
    status: response.status,
    responseBody: await responseExcerpt(response),
  });
  if (response.ok) return;
  const answered = `${destination} answered ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
  // 410 Gone is the agent saying this endpoint will never accept the event: retrying cannot help.
  if (response.status === 410) throw new GiveUp(answered);
  throw new RetryLater(answered, parseRetryAfter(response.headers.get("retry-after")));
};
