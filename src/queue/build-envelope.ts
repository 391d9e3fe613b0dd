/** Rebuilds the handler envelope from what the ledger stored: the same bytes, parsed the provider's way. */

import type { StoredEvent } from "../claim/ledger-rpc";
import { providerOf } from "../config/define-sources";
import { sources } from "../config/sources";
import type { WebhookEnvelope } from "../handlers/envelope";
import { defaultPayload, readBody } from "../normalize/read-body";
import { presentUntrustedPaths } from "../providers/untrusted-paths";

/** The payload handlers see: parsed the source's provider's way, else JSON, else text. */
export function payloadFor(source: string, headers: Record<string, string>, body: Uint8Array): unknown {
  const readable = readBody(body);
  const config = sources.get(source);
  if (config) {
    const request = { method: "POST", url: "", headers: new Headers(headers), body };
    const identity = providerOf(config).identify(request, readable);
    if (identity.ok) return identity.value.payload;
  }
  return defaultPayload(readable);
}

export function buildEnvelope(event: StoredEvent, body: Uint8Array): WebhookEnvelope {
  const payload = payloadFor(event.source, event.headers, body);
  const config = sources.get(event.source);
  const declared = (config && providerOf(config).untrustedPaths) ?? [];
  return {
    id: event.id,
    source: event.source,
    type: event.type,
    receivedAt: new Date(event.receivedAt).toISOString(),
    payload,
    untrusted: presentUntrustedPaths({ payload }, declared),
    rawBody: body,
    headers: event.headers,
  };
}
