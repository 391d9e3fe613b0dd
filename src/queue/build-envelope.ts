/** Rebuilds the handler envelope from what the ledger stored: the same bytes, parsed the provider's way. */

import type { StoredEvent } from "../claim/ledger-rpc";
import { providerOf, type SourceConfig } from "../config/define-sources";
import type { Provenance, WebhookEnvelope } from "../handlers/envelope";
import { defaultPayload, readBody } from "../normalize/read-body";
import type { Provider } from "../providers/provider";
import { presentUntrustedPaths } from "../providers/untrusted-paths";

/**
 * The payload handlers see: parsed the source's provider's way, else JSON, else text. `config` is the
 * event's source as this environment defines it (`sourcesFor(env)`), undefined once it is gone.
 */
export function payloadFor(
  config: SourceConfig | undefined,
  headers: Record<string, string>,
  body: Uint8Array,
): unknown {
  const readable = readBody(body);
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

/** The envelope handlers get; `config` is the event's source in this environment (see payloadFor). */
export function buildEnvelope(
  event: StoredEvent,
  body: Uint8Array,
  config: SourceConfig | undefined,
): WebhookEnvelope {
  const payload = payloadFor(config, event.headers, body);
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
