/** The contract of a sample signer (one per source, listed in ../sign-sample.ts) and the bits they share. */
import { createHmac, randomUUID } from "node:crypto";

export interface SampleSigner {
  /** The variable the gateway verifies with: the shared secret, or the provider's public key. */
  readonly secretVar: string;
  /** Key-pair providers only: the local-only variable holding the private key the sender signs with. */
  readonly signingKeyVar?: string;
  /**
   * The headers that sign `body` with `key` (the secret, or the private key), plus any delivery-id
   * headers the provider sends (fresh on every call). URL-signing providers also need the target `url`.
   */
  sign(body: string, key: string, url?: string): Promise<Record<string, string>>;
  /** Providers that carry the signature inside the body (Mailgun) put it there; called before `sign`. */
  signBody?(body: string, key: string): string;
}

export const hmac = (algorithm: "sha1" | "sha256", key: string, data: string) =>
  createHmac(algorithm, key).update(data);

export const unixSeconds = () => Math.floor(Date.now() / 1000);

/** A fresh delivery id for providers that send one in a header. */
export const deliveryId = () => randomUUID();

export function requireUrl(provider: string, url: string | undefined): string {
  if (!url) throw new Error(`${provider} signs the URL it calls: pass the target URL to sign()`);
  return url;
}

/** Private keys in .dev.vars are base64 PKCS#8 DER, which both Node and workerd's node:crypto import. */
export const pkcs8 = (base64: string) =>
  ({ key: Buffer.from(base64, "base64"), format: "der", type: "pkcs8" }) as const;
