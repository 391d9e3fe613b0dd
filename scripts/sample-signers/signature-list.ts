/** `t=<time>,v1=<hex HMAC-SHA256("<time><joiner><body>")>` headers: Mux, Calendly, WorkOS (ms), Paddle (`ts=;h1=`). */
import { hmac, type SampleSigner } from "./sample-signer.ts";

export interface SignatureListOptions {
  secretVar: string;
  header: string;
  /** Builds the header from the signed time and the hex signature. */
  format: (time: string, signature: string) => string;
  joiner: "." | ":";
  unit?: "s" | "ms";
}

export function signatureListSigner({ secretVar, header, format, joiner, unit = "s" }: SignatureListOptions) {
  const signer: SampleSigner = {
    secretVar,
    sign: async (body, secret) => {
      const time = String(unit === "ms" ? Date.now() : Math.floor(Date.now() / 1000));
      return { [header]: format(time, hmac("sha256", secret, `${time}${joiner}${body}`).digest("hex")) };
    },
  };
  return signer;
}
