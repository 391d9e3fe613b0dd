/**
 * ElevenLabs (Agents platform, speech-to-text): `ElevenLabs-Signature: t=<unix>,v0=<hex HMAC-SHA256("<t>.<body>")>`,
 * keyed with the webhook's shared secret; 30 min tolerance as in the SDK's `webhooks.constructEvent`.
 * ElevenLabs sends no event id: a call's `post_call_transcription` and `post_call_audio` share
 * `data.conversation_id`, so the id is `<type>:<conversation_id>` (else the body digest). Type: body `type`.
 * Docs: https://elevenlabs.io/docs/agents-platform/workflows/post-call-webhooks
 */
import { stringField } from "../normalize/read-body";
import { err, ok } from "../verify/result";
import { signatureListHmacVerifier } from "../verify/signature-list-hmac";
import { type Provider, utf8Secret } from "./provider";

export const elevenlabs: Provider = {
  scheme: "elevenlabs-hmac-sha256",
  signed: ["timestamp", "body"],
  untrustedPaths: ["payload.data.transcript[].message", "payload.data.analysis.transcript_summary"],
  defaultToleranceSeconds: 30 * 60,
  decodeSecret: utf8Secret,

  verify: signatureListHmacVerifier({
    header: "elevenlabs-signature",
    separator: ",",
    timestampKey: "t",
    signatureKey: "v0",
    joiner: ".",
  }),

  identify(_request, body) {
    const event = body.json();
    if (event === undefined) return err({ reason: "invalid_body", detail: "ElevenLabs events are JSON" });
    const type = stringField(event, "type") ?? "unknown";
    const conversation = stringField(event, "data", "conversation_id");
    return ok({ id: conversation ? `${type}:${conversation}` : undefined, type, payload: event });
  },
};
