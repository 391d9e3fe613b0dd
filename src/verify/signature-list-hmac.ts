/**
 * The shared verifier for `t=<time>,v1=<hex HMAC-SHA256("<time><joiner><body>")>` headers (Stripe, Mux,
 * Calendly, WorkOS; Paddle's `ts=…;h1=…`): any listed signature may match (secret rolls), and the signed
 * time must be fresh both ways.
 */
import { concatBytes } from "./encoding";
import { hmacMatchesAny, type SecretBytes } from "./hmac";
import { err, type VerifyResult, verified } from "./result";
import { signatureList, TOO_MANY } from "./signature-header";
import { checkFreshness } from "./timestamp";

export interface SignatureListScheme {
  /** Lowercase header name. */
  readonly header: string;
  readonly separator: "," | ";";
  readonly timestampKey: string;
  readonly signatureKey: string;
  /** What stands between the time and the body in the signed content. */
  readonly joiner: string;
  /** WorkOS signs milliseconds; everyone else seconds. */
  readonly timestampUnit?: "s" | "ms";
}

type SignatureListInput = {
  request: { headers: Headers; body: Uint8Array };
  secrets: readonly SecretBytes[];
  nowSeconds: number;
  toleranceSeconds: number;
};

/** Builds a provider's `verify` for a `t=…,v1=…` list scheme. */
export function signatureListHmacVerifier(scheme: SignatureListScheme) {
  return (input: SignatureListInput) => verifySignatureListHmac(scheme, input);
}

async function verifySignatureListHmac(
  scheme: SignatureListScheme,
  { request: { headers, body }, secrets, nowSeconds, toleranceSeconds }: SignatureListInput,
): Promise<VerifyResult> {
  const header = headers.get(scheme.header);
  if (header === null) return err({ reason: "missing_header", header: scheme.header });
  const list = signatureList(header, scheme.separator, scheme.timestampKey, scheme.signatureKey, "hex", 32);
  if (list === TOO_MANY) return err({ reason: "too_many_signatures", header: scheme.header });
  const digits = scheme.timestampUnit === "ms" ? /^\d{1,15}$/ : /^\d{1,12}$/;
  if (!list || !digits.test(list.timestamp))
    return err({ reason: "malformed_header", header: scheme.header });
  const seconds =
    scheme.timestampUnit === "ms" ? Math.floor(Number(list.timestamp) / 1000) : Number(list.timestamp);
  const fresh = checkFreshness(seconds, nowSeconds, toleranceSeconds);
  if (!fresh.ok) return fresh;
  const signed = concatBytes(`${list.timestamp}${scheme.joiner}`, body);
  return (await hmacMatchesAny("SHA-256", secrets, signed, list.signatures))
    ? verified
    : err({ reason: "bad_signature" });
}
