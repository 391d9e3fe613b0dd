/**
 * Posts signed envelopes: the built-in `forward` handler (to `AGENT_ENDPOINT_URL`) and every `url` route
 * destination share this one sender. It POSTs `{id, source, type, received_at, payload, untrusted, provenance}`
 * (and `lane` for a route with `orderBy`), as JSON.stringify writes it at any depth (json-text.ts),
 * signed the Standard Webhooks way: `v1a` (Ed25519) with a `whsk_` key (and its `_PREVIOUS` during a
 * rotation), `v1` (HMAC) with a `whsec_` secret; at least one is required. `forward` uses
 * `AGENT_SIGNING_KEY` and `AGENT_SIGNING_SECRET`; a route its own `signingKeyVar` / `secretVar`, or those two
 * when it names neither. `webhook-id` is derived from the idempotency key, so it stays the same across
 * retries of one (event, route) and differs between routes.
 * 2xx is success; anything else, or a timeout, is retried, honouring `Retry-After`. The one exception is
 * 410 Gone, which dead-letters the event at once. Every attempt tells the operator's view where it went,
 * the status and the first 1 KB of the answer, and failures are phrased for people ("no connection to
 * 127.0.0.1:8788/agent"), not as runtime exception names.
 */
import { isAllowedDestinationUrl } from "../config/destination-url";
import type { UrlDestination } from "../config/route-schema";
import { settingsFrom } from "../config/settings";
import { jsonTextOf } from "../normalize/json-text";
import { signStandardWebhookEd25519 } from "../verify/ed25519-signing-key";
import { bytesToHex, concatBytes, utf8 } from "../verify/encoding";
import { decodeWhsecSecret, signStandardWebhook } from "../verify/standard-webhooks";
import {
  AGENT_SIGNING_KEY_VAR,
  type AgentSigningKeys,
  agentSigningKeys,
  usableKeys,
} from "./agent-signing-keys";
import {
  type AgentHandler,
  type ForwardedEnvelope,
  type HandlerContext,
  RESPONSE_EXCERPT_BYTES,
  type WebhookEnvelope,
} from "./envelope";
import { GiveUp, RetryLater } from "./handler-error";

export const FORWARD_HANDLER_NAME = "forward";

/** The variable holding the gateway's own `whsec_` secret, the default `v1` signer. */
const AGENT_SIGNING_SECRET_VAR = "AGENT_SIGNING_SECRET";

function readVar(env: Env, name: string): string | undefined {
  const value: unknown = Reflect.get(env, name);
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

/** Where a signed envelope goes and with which variables it is signed; a route's, or the forwarder's. */
export interface SignedDestination extends UrlDestination {
  /** What the operator configured, for error messages: `AGENT_ENDPOINT_URL` or `route "triage"`. */
  readonly configuredAs: string;
}

/** A route naming neither variable signs with the gateway's own key and secret. */
function signingVarsOf(destination: UrlDestination): { keyVar?: string; secretVar?: string } {
  if (destination.secretVar === undefined && destination.signingKeyVar === undefined)
    return { keyVar: AGENT_SIGNING_KEY_VAR, secretVar: AGENT_SIGNING_SECRET_VAR };
  return { keyVar: destination.signingKeyVar, secretVar: destination.secretVar };
}

/**
 * The `webhook-signature` value: `v1a,…` per Ed25519 key (current, then previous during a rotation) and
 * `v1,…` when an HMAC secret is set, space-separated. Throws (and so retries) rather than send unsigned.
 */
async function signatureFor(
  env: Env,
  destination: UrlDestination,
  keys: AgentSigningKeys,
  messageId: string,
  timestamp: number,
  body: Uint8Array,
): Promise<string> {
  const { keyVar, secretVar } = signingVarsOf(destination);
  const rawSecret = secretVar === undefined ? undefined : readVar(env, secretVar);
  const secret = rawSecret === undefined ? null : decodeWhsecSecret(rawSecret);
  if (keys.current === "invalid" || keys.previous === "invalid")
    throw new Error(`${keyVar} (or its _PREVIOUS) is not a whsk_ Ed25519 key`);
  if (rawSecret !== undefined && !secret) throw new Error(`${secretVar} is not a whsec_ base64 secret`);
  if (!keys.current && !secret)
    throw new Error(
      `${[keyVar, secretVar].filter(Boolean).join(" and ")} ${keyVar && secretVar ? "are" : "is"} not set: Hookgate never forwards unsigned`,
    );
  const signed = concatBytes(`${messageId}.${timestamp}.`, body);
  const entries = await Promise.all(usableKeys(keys).map((key) => signStandardWebhookEd25519(key, signed)));
  if (secret) entries.push(await signStandardWebhook(secret, messageId, timestamp, body));
  return entries.join(" ");
}

export const isForwardEnabled = (env: Env): boolean => readVar(env, "AGENT_ENDPOINT_URL") !== undefined;

/** https anywhere; plain http only to loopback (local development); never credentials in the URL. */
export const isAllowedAgentUrl = isAllowedDestinationUrl;

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

/** The envelope every destination receives, URL or Agent: the event without its raw body and headers. */
export function forwardedEnvelopeOf(event: WebhookEnvelope): ForwardedEnvelope {
  return {
    id: event.id,
    source: event.source,
    type: event.type,
    received_at: event.receivedAt,
    payload: event.payload,
    untrusted: [...event.untrusted],
    provenance: event.provenance,
    ...(event.lane ? { lane: event.lane } : {}),
  };
}

/**
 * POSTs the event's envelope to `destination`, signed with its variables (see the file header). Throws
 * `RetryLater` (with `Retry-After`) or `GiveUp` (410) as the handler contract says; the caller's
 * idempotency key fixes the `webhook-id`.
 */
export async function postSignedEnvelope(
  destination: SignedDestination,
  event: WebhookEnvelope,
  context: HandlerContext,
): Promise<void> {
  const { url } = destination;
  if (!isAllowedDestinationUrl(url))
    throw new Error(`${destination.configuredAs} must be an https URL (plain http only to loopback)`);
  const body = utf8.encode(jsonTextOf(forwardedEnvelopeOf(event)));
  const messageId = await webhookIdFor(context.idempotencyKey);
  const timestamp = Math.floor(Date.now() / 1000);
  const label = destinationLabel(url);
  context.describeAttempt({ destination: url.split("?")[0] });
  const timeoutMs = destination.timeoutMs ?? settingsFrom(context.env).AGENT_TIMEOUT_MS;
  const keyVar = signingVarsOf(destination).keyVar;
  const keys: AgentSigningKeys =
    keyVar === undefined ? { current: null, previous: null } : await agentSigningKeys(context.env, keyVar);
  const signature = await signatureFor(context.env, destination, keys, messageId, timestamp, body);
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
      throw new RetryLater(`no answer from ${label} within ${timeoutMs} ms (timeout)`);
    const cause = error instanceof Error ? error.message.replace(/\.$/, "") : String(error);
    throw new RetryLater(`no connection to ${label} (${cause.toLowerCase()})`);
  }
  context.describeAttempt({
    destination: url.split("?")[0],
    status: response.status,
    responseBody: await responseExcerpt(response),
  });
  if (response.ok) return;
  const answered = `${label} answered ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
  // 410 Gone is the destination saying it will never accept the event: retrying cannot help.
  if (response.status === 410) throw new GiveUp(answered);
  throw new RetryLater(answered, parseRetryAfter(response.headers.get("retry-after")));
}

/** The built-in handler: `AGENT_ENDPOINT_URL`, signed with `AGENT_SIGNING_KEY` and `AGENT_SIGNING_SECRET`. */
export const forward: AgentHandler = async function forward(event, context: HandlerContext) {
  const url = readVar(context.env, "AGENT_ENDPOINT_URL");
  if (!url) throw new Error("AGENT_ENDPOINT_URL is not set");
  const destination: SignedDestination = {
    url,
    signingKeyVar: AGENT_SIGNING_KEY_VAR,
    secretVar: AGENT_SIGNING_SECRET_VAR,
    configuredAs: "AGENT_ENDPOINT_URL",
  };
  await postSignedEnvelope(destination, event, context);
};
