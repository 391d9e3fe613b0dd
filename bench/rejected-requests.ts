/**
 * The requests of the bench's rejection cases, what a sender without the secret can make the gateway
 * do: a well-formed GitHub event signed with the wrong secret, and the security review's CPU attack
 * (issue 10, item 5), a 1 MiB Stripe body whose `Stripe-Signature` lists 235 fake `v1=` entries.
 */
import { randomBytes } from "node:crypto";
import { signers } from "../scripts/sign-sample.ts";
import { GITHUB_EVENT, githubBody } from "./github-payloads.ts";

export type RejectionKind = "bad-sig" | "many-sigs";

/** The only answers a rejection case accepts from the gateway; anything else (a 5xx, a 202) fails it. */
export const REJECTED_STATUSES: readonly number[] = [401, 429];

/** One prebuilt request, handed to autocannon as is. */
export interface RawRequest {
  method: "POST";
  path: string;
  headers: Record<string, string>;
  /** Encoded once, so building a request while the clock runs is only a header and a concat. */
  body: Buffer;
}

export interface RejectionSpec {
  kind: RejectionKind;
  requests: number;
  /** Distinct `CF-Connecting-IP` values, used in turn (the failed-auth limiter counts per source and IP). */
  clients: number;
  /** The gateway's GitHub secret: `bad-sig` signs with a different one. */
  secret: string;
  /** Distinct per case and runtime, so that no two runs share a client address. */
  seed: number;
  query?: string;
}

/** The size of the review's body: the default `maxBodyBytes`, so it is read whole and not refused 413. */
const MANY_SIGS_BODY_BYTES = 1024 * 1024;
/** What one `Stripe-Signature` header carried in the review (about 16 KB). */
const MANY_SIGS_ENTRIES = 235;

/**
 * A client address per request: `10.<seed>.x.y`. `wrangler dev` passes a client's `CF-Connecting-IP`
 * through to the Worker (miniflare sets it only when absent); Cloudflare's edge always sets its own.
 */
function clientIp(seed: number, client: number): string {
  return `10.${seed % 256}.${(client >> 8) % 256}.${client % 256}`;
}

function stripeBody(bytes: number): Buffer {
  const head =
    '{"id":"evt_bench_many_sigs","object":"event","type":"charge.succeeded","data":{"object":{"description":"';
  const tail = '"}}}';
  return Buffer.from(head + "x".repeat(bytes - head.length - tail.length) + tail);
}

function fakeSignatureList(): string {
  return Array.from({ length: MANY_SIGS_ENTRIES }, () => `v1=${randomBytes(32).toString("hex")}`).join(",");
}

/** Every request of a rejection case, in sending order. */
export async function rejectedRequests(spec: RejectionSpec): Promise<RawRequest[]> {
  const github = signers.github;
  if (!github) throw new Error("no GitHub signer in scripts/sign-sample.ts");
  const now = new Date().toISOString();
  const wrongSecret = `${spec.secret}-not-the-secret`;
  // One body and one header for every many-sigs request: the gateway refuses them before any dedup.
  const body = spec.kind === "many-sigs" ? stripeBody(MANY_SIGS_BODY_BYTES) : null;
  const stripeSignature = body ? `t=${Math.floor(Date.now() / 1000)},${fakeSignatureList()}` : "";
  const requests: RawRequest[] = [];
  for (let n = 0; n < spec.requests; n++) {
    const ip = { "cf-connecting-ip": clientIp(spec.seed, n % spec.clients) };
    if (body) {
      requests.push({
        method: "POST",
        path: `/webhooks/stripe${spec.query ?? ""}`,
        headers: { "content-type": "application/json", "stripe-signature": stripeSignature, ...ip },
        body,
      });
      continue;
    }
    const text = githubBody("2kb", spec.seed * 1_000_000 + n, now);
    requests.push({
      method: "POST",
      path: `/webhooks/github${spec.query ?? ""}`,
      headers: {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/bench",
        "x-github-event": GITHUB_EVENT["2kb"],
        "x-github-hook-id": "4242",
        ...(await github.sign(text, wrongSecret)),
        ...ip,
      },
      body: Buffer.from(text),
    });
  }
  return requests;
}
