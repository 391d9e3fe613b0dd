/**
 * `POST /webhooks/:source`: read within the limit → verify → normalize → claim. Answers 202 only once
 * the event is durable in the ledger; the queue hand-off happens behind the response.
 */
import type { Context } from "hono";
import { z } from "zod";
import { claimEvent } from "../claim/claim-event";
import { claimSignedContent } from "../claim/claim-signed-content";
import type { AcceptOutcome, VerifiedWith } from "../claim/ledger-rpc";
import { routesForEvent } from "../handlers/route-table";
import { appendToLanes } from "../lanes/append-to-lanes";
import { type ReadBody, readBody } from "../normalize/read-body";
import { storableHeaders } from "../normalize/storable-headers";
import type { SignedRequest } from "../providers/provider";
import { ipInRanges } from "../shared/ip-ranges";
import { knownOverLimit, RETRY_AFTER_LIMITED_SECONDS, tooManyFailures } from "../shared/limit-failed-auth";
import { log, logDebug } from "../shared/log";
import { Problem } from "../shared/problem";
import { bytesToHex, utf8 } from "../verify/encoding";
import type { VerifyResult } from "../verify/result";
import { checkEventKey, cutText } from "./check-event-key";
import { readBodyWithinLimit } from "./read-body-within-limit";
import { type ResolvedSource, resolveSource, signedUrlOf, whyUnresolved } from "./resolve-source";

/** The 202 and 200 bodies of `POST /webhooks/:source`. */
export const WebhookOutcome = z.object({
  id: z.string().meta({ description: "the provider-native event id (or the body's SHA-256)" }),
  status: z.enum(["accepted", "duplicate"]),
});

/** Every signature failure gets this one message; the reason is logged only. */
const SIGNATURE_FAILED = "The request signature could not be verified.";
const RETRY_AFTER_SECONDS = "5";
/** Log lines stay small whatever a sender puts in an id or type. */
const MAX_LOGGED_ID = 128;
const MAX_LOGGED_TYPE = 128;

export type IngressEnv = { Bindings: Env };

/**
 * For presets whose signature does not cover the event id: claims the digest of the signed content for
 * `id` (see claim/claim-signed-content.ts). "accepted" when there is nothing to claim; null when unavailable.
 */
async function claimContentOf(
  env: Env,
  source: ResolvedSource,
  request: SignedRequest,
  body: ReadBody,
  id: string,
  claimedAt: number,
): Promise<AcceptOutcome | null> {
  const content = source.provider.signedContent?.(request, body);
  if (content == null) return "accepted";
  const bytes = typeof content === "string" ? utf8.encode(content) : content;
  const digest = bytesToHex(await crypto.subtle.digest("SHA-256", bytes));
  return claimSignedContent(env, { source: source.config.name, digest, id, claimedAt });
}

/**
 * Verifies with the current secret, then (unless the client is over the failed-auth limit) with the
 * previous one: the same signature checks as verifying with both at once, and the event learns which
 * secret proved it. A failure reports the current secret's reason.
 */
async function verifyWithCurrentThenPrevious(
  source: ResolvedSource,
  request: SignedRequest,
  overLimit: boolean,
): Promise<{ verdict: VerifyResult; verifiedWith: VerifiedWith }> {
  const attempt = (secrets: ResolvedSource["secrets"]) =>
    source.provider.verify({
      request,
      secrets,
      nowSeconds: Math.floor(Date.now() / 1000),
      toleranceSeconds: source.toleranceSeconds,
    });
  const current = await attempt(source.secrets.slice(0, 1));
  if (current.ok || overLimit || source.secrets.length < 2)
    return { verdict: current, verifiedWith: "current" };
  const previous = await attempt(source.secrets.slice(1));
  return { verdict: previous.ok ? previous : current, verifiedWith: "previous" };
}

export async function receiveWebhook(c: Context<IngressEnv, "/webhooks/:source">): Promise<Response> {
  const started = Date.now();
  const sourceName = c.req.param("source");
  const fields = { source: sourceName.slice(0, 64) };
  /** Logs the refusal with a flat `reason` (a tagged failure's other fields sit beside it) and builds the problem. */
  const reject = (
    status: 400 | 401 | 403 | 404 | 413 | 429 | 503,
    detail: string,
    why: string | ({ reason: string } & Record<string, unknown>),
    headers = {},
  ) => {
    const reason = typeof why === "string" ? { reason: why } : why;
    log("ingress", { ...fields, status, ...reason, ms: Date.now() - started });
    return new Problem(status, detail, headers);
  };

  const source = resolveSource(sourceName, c.env);
  if (!source)
    throw reject(404, "No webhook source is configured under this name.", whyUnresolved(sourceName, c.env));

  const clientIp = c.req.header("cf-connecting-ip");
  if (source.allowedRanges && !ipInRanges(clientIp ?? "", source.allowedRanges)) {
    throw reject(403, "This client may not deliver to this source.", "ip_not_allowed");
  }

  const read = await readBodyWithinLimit(c.req.raw, source.config.maxBodyBytes);
  if (!read.ok && read.reason === "unreadable")
    throw reject(400, "The request body could not be read to its end.", "body_unreadable");
  if (!read.ok)
    throw reject(413, `The body exceeds this source's limit of ${read.limit} bytes.`, "body_too_large");

  const request: SignedRequest = {
    method: c.req.method,
    url: signedUrlOf(source, c.req.url),
    headers: c.req.raw.headers,
    body: read.body,
  };
  // A client already over the failed-auth limit gets the work of one valid request: the current secret only.
  const overLimit = knownOverLimit(source.config.name, clientIp);
  const { verdict, verifiedWith } = await verifyWithCurrentThenPrevious(source, request, overLimit);
  if (!verdict.ok) {
    if (overLimit || (await tooManyFailures(c.env, source.config.name, clientIp))) {
      throw reject(
        429,
        "Too many failed signature attempts; retry later.",
        { ...verdict.error, rateLimited: true },
        {
          "retry-after": RETRY_AFTER_LIMITED_SECONDS,
        },
      );
    }
    throw reject(401, SIGNATURE_FAILED, verdict.error);
  }

  const body = readBody(read.body);
  const handshake = await source.provider.handshake?.(request, body, source.secrets);
  if (handshake) {
    log("ingress", { ...fields, status: handshake.status, outcome: "handshake" });
    return new Response(handshake.body, {
      status: handshake.status,
      headers: { "content-type": handshake.contentType },
    });
  }

  const identity = source.provider.identify(request, body);
  if (!identity.ok) throw reject(400, "The body could not be parsed for this source.", identity.error);
  const key = checkEventKey(
    identity.value.id ?? bytesToHex(await crypto.subtle.digest("SHA-256", read.body)),
    identity.value.type,
  );
  if (!key.ok) throw reject(400, "The event id or type is not usable.", key.error);
  const { id, type } = key.value;

  const content = await claimContentOf(c.env, source, request, body, id, started);
  if (content === "duplicate") {
    // Same signed content under another id: a replay, or the rare twin event; worth a line at info.
    log("ingress", {
      ...fields,
      id: cutText(id, MAX_LOGGED_ID),
      status: 200,
      outcome: "signed_content_duplicate",
    });
  }
  const headers = storableHeaders(c.req.raw.headers);
  // Chosen now and stored with the claim, over the envelope the consumer rebuilds from what is stored.
  const subject = { id, source: source.config.name, type, payload: identity.value.payload, headers };
  const routes = routesForEvent(c.env, subject);
  const outcome =
    content === "accepted"
      ? await claimEvent(c.env, {
          source: source.config.name,
          id,
          type,
          receivedAt: started,
          verifiedWith,
          headers,
          body: read.body,
          routes,
        })
      : content;
  if (outcome === null) {
    throw reject(503, "The event could not be stored; retry later.", "ledger_unavailable", {
      "retry-after": RETRY_AFTER_SECONDS,
    });
  }
  // Ordered routes: the claim is durable, so the event takes its place in each lane before the 202.
  if (outcome === "accepted") await appendToLanes(c.env, subject, routes);
  logDebug(c.env, "ingress", {
    ...fields,
    id: cutText(id, MAX_LOGGED_ID),
    type: cutText(type, MAX_LOGGED_TYPE),
    status: outcome === "accepted" ? 202 : 200,
    outcome,
    ms: Date.now() - started,
  });
  const answer: z.infer<typeof WebhookOutcome> = { id, status: outcome };
  return c.json(answer, outcome === "accepted" ? 202 : 200);
}
