/**
 * Retell AI: `X-Retell-Signature: v=<unix ms>,d=<hex HMAC-SHA256(body + "<ms>")>` (body first, then the time),
 * keyed with the Retell API key that carries the webhook badge; 5 min tolerance both ways, as in the SDK's
 * `Retell.verify`. Retell sends no event id: `call_started`, `call_ended` and `call_analyzed` happen once per
 * call, so their id is `<event>:<call.call_id>`; other events (transcript updates, transfers, chats) use the
 * body digest. Type: body `event`.
 * Docs: https://docs.retellai.com/features/secure-webhook
 */
import { stringField } from "../normalize/read-body";
import { concatBytes } from "../verify/encoding";
import { hmacMatchesAny } from "../verify/hmac";
import { err, ok, type VerifyResult, verified } from "../verify/result";
import { signatureList, TOO_MANY } from "../verify/signature-header";
import { checkFreshness } from "../verify/timestamp";
import { type Provider, utf8Secret } from "./provider";

const HEADER = "x-retell-signature";
const ONCE_PER_CALL = new Set(["call_started", "call_ended", "call_analyzed"]);

export const retell: Provider = {
  scheme: "retell-hmac-sha256",
  signed: ["body", "timestamp"],
  untrustedPaths: [
    "payload.call.transcript",
    "payload.call.transcript_object[].content",
    "payload.call.call_analysis.call_summary",
  ],
  defaultToleranceSeconds: 300,
  decodeSecret: utf8Secret,

  async verify({ request, secrets, nowSeconds, toleranceSeconds }): Promise<VerifyResult> {
    const header = request.headers.get(HEADER);
    if (header === null) return err({ reason: "missing_header", header: HEADER });
    const list = signatureList(header, ",", "v", "d", "hex", 32);
    if (list === TOO_MANY) return err({ reason: "too_many_signatures", header: HEADER });
    if (!list || !/^\d{1,15}$/.test(list.timestamp))
      return err({ reason: "malformed_header", header: HEADER });
    const fresh = checkFreshness(Math.floor(Number(list.timestamp) / 1000), nowSeconds, toleranceSeconds);
    if (!fresh.ok) return fresh;
    const signed = concatBytes(request.body, list.timestamp);
    return (await hmacMatchesAny("SHA-256", secrets, signed, list.signatures))
      ? verified
      : err({ reason: "bad_signature" });
  },

  identify(_request, body) {
    const event = body.json();
    if (event === undefined) return err({ reason: "invalid_body", detail: "Retell events are JSON" });
    const type = stringField(event, "event") ?? "unknown";
    const call = stringField(event, "call", "call_id");
    const id = call && ONCE_PER_CALL.has(type) ? `${type}:${call}` : undefined;
    return ok({ id, type, payload: event });
  },
};
