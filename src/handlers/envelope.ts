/** What an agent handler receives, and the zod schema of the envelope the forwarder posts. */
import { z } from "zod";

export interface WebhookEnvelope {
  /** Provider-native event id (or the body's SHA-256 where the provider has none). */
  readonly id: string;
  /** Source name as in the URL, e.g. `github`. */
  readonly source: string;
  /** Event type, e.g. `issues.opened` or `customer.created`. */
  readonly type: string;
  /** ISO 8601 time the gateway accepted the event. */
  readonly receivedAt: string;
  /** Parsed JSON body, or its text when it is not JSON. */
  readonly payload: unknown;
  /**
   * Concrete payload paths (`payload.issue.body`, `payload.commits.0.message`) holding text that third
   * parties write, per the source's preset; at most 200. Marking reduces prompt injection, it does not
   * prevent it: treat the whole payload as untrusted. `renderForPrompt` delimits these for a model.
   */
  readonly untrusted: readonly string[];
  /** What the gateway verified about this event, and from where it came. */
  readonly provenance: Provenance;
  /** The exact bytes the provider sent. */
  readonly rawBody: Uint8Array;
  /** Request headers as received, minus credentials (`authorization`, `proxy-authorization`, `cookie`). */
  readonly headers: Readonly<Record<string, string>>;
  /** Set for deliveries of a route with `orderBy`: which lane, and the event's place in it. */
  readonly lane?: LanePosition;
}

/**
 * An ordered delivery's place: its lane `key` (the `orderBy` value), its `seq` in that lane (in the order
 * Hookgate accepted the events), and the ids of events dead-lettered just before it (`onPoison: "skip"`).
 */
export const LanePosition = z.object({
  key: z.string(),
  seq: z.number().int().positive(),
  skipped: z.array(z.string()).optional(),
});
export type LanePosition = z.infer<typeof LanePosition>;

/**
 * What was verified: the source's signature `scheme`, the parts of the request it covers (`signed`;
 * for GitHub only the body, not the delivery id or event header), and which configured secret proved it.
 */
export const Provenance = z.object({
  /** False only for `unsigned` sources, which verify nothing. */
  verified: z.boolean(),
  scheme: z.string(),
  signed: z.array(z.string()),
  /** `previous` when `<secretVar>_PREVIOUS` verified it during a rotation; null when not recorded. */
  key: z.enum(["current", "previous"]).nullable(),
  /** ISO 8601 time the gateway accepted the event. */
  received_at: z.string(),
  /** The sender's IP (`cf-connecting-ip`), when known. */
  client_ip: z.string().nullable(),
});
export type Provenance = z.infer<typeof Provenance>;

/** What one attempt reached and what it was answered, for the operator's view of that attempt. */
export interface AttemptDetails {
  /** Where the attempt went: a URL (without its query) or `handler <name>`. */
  destination?: string;
  /** The destination's HTTP status. */
  status?: number;
  /** The first RESPONSE_EXCERPT_BYTES of the destination's answer, as text. */
  responseBody?: string;
}

/** How much of a destination's response body is kept per attempt. */
export const RESPONSE_EXCERPT_BYTES = 1024;

export interface HandlerContext {
  readonly env: Env;
  /** `<source>:<event id>:<handler>`: stable across retries; pass it downstream to make side effects idempotent. */
  readonly idempotencyKey: string;
  /** 1 for the first attempt of this handler for this event. */
  readonly attempt: number;
  readonly log: (message: string, fields?: Record<string, unknown>) => void;
  /** Tells the operator's view what this attempt reached and was answered (the last call wins). */
  readonly describeAttempt: (details: AttemptDetails) => void;
}

export type AgentHandler = (event: WebhookEnvelope, context: HandlerContext) => Promise<void> | void;

/** The JSON body the built-in forwarder POSTs to `AGENT_ENDPOINT_URL`. */
export const ForwardedEnvelope = z.object({
  id: z.string(),
  source: z.string(),
  type: z.string(),
  received_at: z.string(),
  payload: z.unknown(),
  /** See `WebhookEnvelope.untrusted`. */
  untrusted: z.array(z.string()),
  provenance: Provenance,
  /** See `WebhookEnvelope.lane`: present for routes with `orderBy` only. */
  lane: LanePosition.optional(),
});
export type ForwardedEnvelope = z.infer<typeof ForwardedEnvelope>;
