/** The contract every provider preset implements: one small file per provider, built on `src/verify/`. */

import type { ReadBody } from "../normalize/read-body";
import type { SecretBytes } from "../verify/hmac";
import type { Result, VerifyResult } from "../verify/result";

/** The parts of an HTTP request a signature can cover. `url` is the URL the provider called. */
export interface SignedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Headers;
  readonly body: Uint8Array;
}

export interface VerifyInput {
  readonly request: SignedRequest;
  /** Current secret first, then the previous one during a rotation. */
  readonly secrets: readonly SecretBytes[];
  /** Unix seconds; injected so tests can pin the clock. */
  readonly nowSeconds: number;
  readonly toleranceSeconds: number;
}

/** What the gateway needs to claim and route an event. */
export interface EventIdentity {
  /** Provider-native id. When a scheme has none, omit it: the hex SHA-256 of the body is used. */
  readonly id?: string;
  readonly type: string;
  /** The value handlers see as `payload`: parsed JSON, else the body text. */
  readonly payload: unknown;
}

export type IdentifyFailure =
  | { reason: "invalid_body"; detail: string }
  | { reason: "missing_event_id"; detail: string };

export type IdentifyResult = Result<EventIdentity, IdentifyFailure>;

/** A reply the provider expects synchronously (for example Slack's `url_verification` challenge). */
export type Handshake = { status: number; contentType: string; body: string };

/**
 * A part of the request a provider's signature (or shared token) covers: `id` (a delivery id header),
 * `timestamp`, `body` (the raw bytes, or their digest), `method`, `url`, `form` (form parameters),
 * `token` (a per-delivery random token), `user_id` (fal's signed user header).
 */
export type SignedPart = "id" | "timestamp" | "body" | "method" | "url" | "form" | "token" | "user_id";

export interface Provider {
  /** Id of the verification scheme, e.g. `github-hmac-sha256`, `standard-webhooks-v1`; `unsigned` for none. */
  readonly scheme: string;
  /**
   * What every request this preset accepts has covered by its signature, in signed-content order. Where a
   * preset accepts several variants (HubSpot v1/v2/v3) it is what all of them cover. `[]` when a shared
   * token authenticates the sender but signs nothing (GitLab, Postmark) or nothing is checked (`unsigned`).
   */
  readonly signed: readonly SignedPart[];
  /**
   * What the configured key is: a shared `secret` (read from `<NAME>_WEBHOOK_SECRET`) or the provider's
   * `publicKey` (read from `<NAME>_PUBLIC_KEY`). Defaults to `secret`.
   */
  readonly keyKind?: "secret" | "publicKey";
  /**
   * Payload paths whose text third parties write (issue bodies, comments, email subjects), in the route
   * filter style with `[]` for array elements: `payload.issue.body`, `payload.commits[].message`.
   * `[]` when the provider's events carry none. The envelope's `untrusted` lists those present in an event.
   */
  readonly untrustedPaths?: readonly string[];
  /** Tolerance the provider documents for its timestamp, if it signs one. */
  readonly defaultToleranceSeconds?: number;
  /** Turns a configured secret or public key string into key bytes; null when it is not in the provider's format. */
  decodeSecret(secret: string): SecretBytes | null;
  /** Pure: decides from the request parts, secrets and clock alone. Never throws. */
  verify(input: VerifyInput): Promise<VerifyResult>;
  /** Extracts the provider-native event id and type. Runs only after `verify` succeeded. */
  identify(request: SignedRequest, body: ReadBody): IdentifyResult;
  /**
   * For presets whose signature does not cover the event id (or whose id comes from an unsigned part):
   * the signed bytes that tell one delivery from another. Ingress claims their SHA-256 for the event id,
   * so a captured request re-sent under a new id is a `200 duplicate`. Runs only after `verify` succeeded.
   */
  signedContent?(request: SignedRequest, body: ReadBody): Uint8Array | string | null;
  /**
   * Answers a verified handshake request (Slack `url_verification`, Discord PING, Twitch challenge, Zoom
   * URL validation) instead of accepting it as an event. Gets the secrets for handshakes that sign a reply.
   */
  handshake?(
    request: SignedRequest,
    body: ReadBody,
    secrets: readonly SecretBytes[],
  ): Handshake | null | Promise<Handshake | null>;
}

/** `signedContent` for body-only signatures: the raw body. */
export const signedBody = (request: SignedRequest): Uint8Array => request.body;

/** Secrets that are used as their UTF-8 bytes (GitHub, Slack, Shopify, …). Any characters are allowed. */
export const utf8Secret = (secret: string): SecretBytes | null =>
  secret.length > 0 ? new TextEncoder().encode(secret) : null;
