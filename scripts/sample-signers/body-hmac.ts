/** Providers that sign the raw body alone with an HMAC in one header (GitHub's scheme and its many cousins). */
import { deliveryId, hmac, type SampleSigner } from "./sample-signer.ts";

export interface BodyHmacOptions {
  secretVar: string;
  header: string;
  algorithm: "sha1" | "sha256";
  encoding: "hex" | "base64";
  prefix?: string;
  /** Headers that carry the provider's delivery id (the gateway's event id): each gets a fresh UUID. */
  idHeaders?: string[];
}

export function bodyHmacSigner(options: BodyHmacOptions): SampleSigner {
  const { secretVar, header, algorithm, encoding, prefix = "", idHeaders = [] } = options;
  return {
    secretVar,
    sign: async (body, secret) => ({
      ...Object.fromEntries(idHeaders.map((name) => [name, deliveryId()])),
      [header]: `${prefix}${hmac(algorithm, secret, body).digest(encoding)}`,
    }),
  };
}
