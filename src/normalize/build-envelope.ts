/** Rebuilds the handler envelope from what the ledger stored: the same bytes, parsed the provider's way. */

import type { StoredEvent } from "../claim/ledger-rpc";
import { sources } from "../config/sources";
import type { WebhookEnvelope } from "../handlers/envelope";
import { providers } from "../providers";
import { defaultPayload, readBody } from "./read-body";

/** Headers never stored or handed on: they carry credentials, not event data. */
const CREDENTIAL_HEADERS = new Set(["authorization", "proxy-authorization", "cookie"]);

export function storableHeaders(headers: Headers): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of headers) if (!CREDENTIAL_HEADERS.has(name)) kept[name] = value;
  return kept;
}

/** The payload handlers see: parsed the source's provider's way, else JSON, else text. */
export function payloadFor(source: string, headers: Record<string, string>, body: Uint8Array): unknown {
  const readable = readBody(body);
  const config = sources.get(source);
  if (config) {
    const request = { method: "POST", url: "", headers: new Headers(headers), body };
    const identity = providers[config.provider].identify(request, readable);
    if (identity.ok) return identity.value.payload;
  }
  return defaultPayload(readable);
}

export function buildEnvelope(event: StoredEvent, body: Uint8Array): WebhookEnvelope {
  const payload = payloadFor(event.source, event.headers, body);
  return {
    id: event.id,
    source: event.source,
    type: event.type,
    receivedAt: new Date(event.receivedAt).toISOString(),
    payload,
    rawBody: body,
    headers: event.headers,
  };
}
