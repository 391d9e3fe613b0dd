/** Discord interactions: hex Ed25519 of `timestamp + body`, signed with the app's (here: local dev) private key. */
import { sign } from "node:crypto";
import { pkcs8, type SampleSigner, unixSeconds } from "./sample-signer.ts";

export const discord: SampleSigner = {
  secretVar: "DISCORD_PUBLIC_KEY",
  signingKeyVar: "DISCORD_DEV_SIGNING_KEY",
  sign: async (body, privateKey) => {
    const timestamp = String(unixSeconds());
    return {
      "x-signature-timestamp": timestamp,
      "x-signature-ed25519": sign(null, Buffer.from(timestamp + body), pkcs8(privateKey)).toString("hex"),
    };
  },
};
