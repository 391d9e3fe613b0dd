/** Rebuilds the handler envelope from what the ledger stored: the same bytes, parsed the provider's way. */

import type { StoredEvent } from "../claim/ledger-rpc";
import { providerOf } from "../config/define-sources";
import { sources } from "../config/sources";
import type { Provenance, WebhookEnvelope } from "../handlers/envelope";
import { defaultPayload, readBody } from "../normalize/read-body";
import type { Provider } from "../providers/provider";
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

/** What the source's preset signs, and which secret verified this event. */
export function provenanceOf(event: StoredEvent, provider: Provider | undefined): Provenance {
  const verified = provider !== undefined && provider.scheme !== "unsigned";
  return {
    verified,
    scheme: provider?.scheme ?? "unknown",
    signed: [...(provider?.signed ?? [])],
    key: verified ? event.verifiedWith : null,
    received_at: new Date(event.receivedAt).toISOString(),
    client_ip: event.headers["cf-connecting-ip"] ?? null,
  };
}

export function buildEnvelope(event: StoredEvent, body: Uint8Array): WebhookEnvelope {
  const payload = payloadFor(event.source, event.headers, body);
  const config = sources.get(event.source);
  const provider = config && providerOf(config);
  return {
    id: event.id,
    source: event.source,
    type: event.type,
    receivedAt: new Date(event.receivedAt).toISOString(),
    payload,
    untrusted: presentUntrustedPaths({ payload }, provider?.untrustedPaths ?? []),
    provenance: provenanceOf(event, provider),
    rawBody: body,
    headers: event.headers,
  };
}
