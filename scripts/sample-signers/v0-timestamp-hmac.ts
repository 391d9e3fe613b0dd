/** `v0=<hex HMAC-SHA256("v0:<ts>:<body>")>` plus a timestamp header: Slack, and Zoom after it. */
import { hmac, type SampleSigner, unixSeconds } from "./sample-signer.ts";

export function v0Signer(secretVar: string, signatureHeader: string, timestampHeader: string): SampleSigner {
  return {
    secretVar,
    sign: async (body, secret) => {
      const ts = unixSeconds();
      return {
        [timestampHeader]: String(ts),
        [signatureHeader]: `v0=${hmac("sha256", secret, `v0:${ts}:${body}`).digest("hex")}`,
      };
    },
  };
}
