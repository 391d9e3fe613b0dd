/**
 * `npm run keygen`: a new Ed25519 key pair for the forwarder's `v1a` signatures, in Standard Webhooks'
 * form (`whsk_` secret key for AGENT_SIGNING_KEY, `whpk_` public key for receivers) plus its public JWK.
 */
import { createHash, generateKeyPairSync } from "node:crypto";

const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const privateJwk = privateKey.export({ format: "jwk" });
const x = publicKey.export({ format: "jwk" }).x;
if (!privateJwk.d || !x) throw new Error("node:crypto did not export the Ed25519 key as a JWK");
const seed = Buffer.from(privateJwk.d, "base64url");
const raw = Buffer.from(x, "base64url");
// RFC 7638: the required members in lexicographic order, no whitespace.
const kid = createHash("sha256")
  .update(JSON.stringify({ crv: "Ed25519", kty: "OKP", x }))
  .digest("base64url");
const jwk = { kty: "OKP", crv: "Ed25519", x, kid, use: "sig", alg: "EdDSA" };

console.log(`AGENT_SIGNING_KEY (secret; wrangler secret put AGENT_SIGNING_KEY):
whsk_${Buffer.concat([seed, raw]).toString("base64")}

Public key (for receivers that pin a key):
whpk_${raw.toString("base64")}

Public JWK (served at /.well-known/jwks.json once the secret is set):
${JSON.stringify(jwk, null, 2)}`);
