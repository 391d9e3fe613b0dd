/** Runs a provider's pure verifier and identifier the way ingress does, with a pinned clock. */
import { readBody } from "../../src/normalize/read-body";
import type { Provider, SignedRequest } from "../../src/providers/provider";

export interface RequestParts {
  headers: Record<string, string>;
  body: string | Uint8Array;
  url?: string;
  method?: string;
}

export function signedRequest(parts: RequestParts): SignedRequest {
  return {
    method: parts.method ?? "POST",
    url: parts.url ?? "https://hookgate.test/webhooks/test",
    headers: new Headers(parts.headers),
    body: typeof parts.body === "string" ? new TextEncoder().encode(parts.body) : parts.body,
  };
}

function keys(provider: Provider, secrets: readonly string[]) {
  return secrets.map((secret) => {
    const key = provider.decodeSecret(secret);
    if (!key) throw new Error("test secret is not in the provider's format");
    return key;
  });
}

export function verifyWith(
  provider: Provider,
  parts: RequestParts,
  secrets: readonly string[],
  nowSeconds: number,
  toleranceSeconds = provider.defaultToleranceSeconds ?? 300,
) {
  return provider.verify({
    request: signedRequest(parts),
    secrets: keys(provider, secrets),
    nowSeconds,
    toleranceSeconds,
  });
}

export function identifyWith(provider: Provider, parts: RequestParts) {
  const request = signedRequest(parts);
  return provider.identify(request, readBody(request.body));
}

export function handshakeWith(provider: Provider, parts: RequestParts, secrets: readonly string[] = []) {
  const request = signedRequest(parts);
  return provider.handshake?.(request, readBody(request.body), keys(provider, secrets)) ?? null;
}
