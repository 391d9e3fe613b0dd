/**
 * Short-lived read tokens for one job's tracker, so a browser can watch a job without the admin token. A
 * token is `<expiry unix seconds>.<base64url HMAC-SHA256>` over `hookgate-job-read:v1:<job name>:<expiry>`
 * with `JOB_READ_TOKEN_SECRET`: the user's own backend can mint the same token with any HMAC library.
 */
import { base64UrlToBytes, bytesToBase64Url, utf8 } from "../verify/encoding";

/** Tokens last this long unless the minter asks for less (or more, up to `MAX_READ_TOKEN_SECONDS`). */
export const DEFAULT_READ_TOKEN_SECONDS = 900;
export const MAX_READ_TOKEN_SECONDS = 86_400;

/** The Worker sets this header on a socket upgrade it authorised; the Agent sends state only when it is there. */
export const READER_GRANT_HEADER = "x-hookgate-job-reader";

/** Why a presented token was refused (logged; the client only ever hears "unauthorised"). */
export type ReadTokenRefusal = "malformed" | "expired" | "bad_signature" | "no_secret";

const TOKEN_SHAPE = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

/** The secret that signs read tokens, or undefined when none is set (then only the admin token reads). */
export function readTokenSecretOf(env: object): string | undefined {
  const secret: unknown = Reflect.get(env, "JOB_READ_TOKEN_SECRET");
  return typeof secret === "string" && secret.length >= 32 ? secret : undefined;
}

function signedContent(jobName: string, expiresAt: number): Uint8Array {
  return utf8.encode(`hookgate-job-read:v1:${jobName}:${expiresAt}`);
}

function hmacKey(secret: string, usage: "sign" | "verify"): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", utf8.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    usage,
  ]);
}

/** A token that lets its bearer read `jobName`'s tracker until `expiresAt` (unix seconds). */
export async function mintReadToken(secret: string, jobName: string, expiresAt: number): Promise<string> {
  const mac = await crypto.subtle.sign(
    "HMAC",
    await hmacKey(secret, "sign"),
    signedContent(jobName, expiresAt),
  );
  return `${expiresAt}.${bytesToBase64Url(mac)}`;
}

/** Checks `token` for `jobName` at `now` (unix seconds), in constant time: null when it is valid. */
export async function readTokenRefusal(
  secret: string | undefined,
  jobName: string,
  token: string,
  now: number,
): Promise<ReadTokenRefusal | null> {
  if (!secret) return "no_secret";
  const match = TOKEN_SHAPE.exec(token);
  if (!match?.[1] || !match[2]) return "malformed";
  const expiresAt = Number(match[1]);
  const mac = base64UrlToBytes(match[2]);
  if (!mac) return "malformed";
  const key = await hmacKey(secret, "verify");
  if (!(await crypto.subtle.verify("HMAC", key, mac, signedContent(jobName, expiresAt))))
    return "bad_signature";
  return expiresAt < now ? "expired" : null;
}
