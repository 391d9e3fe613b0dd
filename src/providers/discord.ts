/**
 * Discord interactions: `X-Signature-Ed25519: <hex Ed25519 of timestamp + body>` with
 * `X-Signature-Timestamp`, checked with the application's hex public key. A verified PING gets a PONG.
 * Docs: https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint-validating-security-request-headers
 */

import { stringField } from "../normalize/read-body";
import { concatBytes, hexToBytes } from "../verify/encoding";
import { signatureMatchesAny } from "../verify/public-key";
import { err, ok, verified } from "../verify/result";
import { checkFreshness, parseUnixSeconds } from "../verify/timestamp";
import type { Provider } from "./provider";

const SIGNATURE = "x-signature-ed25519";
const TIMESTAMP = "x-signature-timestamp";
const PING = 1;
/** Interaction types by number; commands add `data.name`, components and modals `data.custom_id`. */
const TYPES = [
  "",
  "ping",
  "application_command",
  "message_component",
  "application_command_autocomplete",
  "modal_submit",
];

const interactionType = (interaction: unknown): unknown =>
  typeof interaction === "object" && interaction !== null ? Reflect.get(interaction, "type") : undefined;

export const discord: Provider = {
  scheme: "discord-ed25519",
  signed: ["timestamp", "body"],
  untrustedPaths: [
    "payload.data.options[].value",
    "payload.data.options[].options[].value",
    "payload.data.components[].components[].value",
    "payload.message.content",
  ],
  keyKind: "publicKey",
  decodeSecret: (key) => {
    const bytes = hexToBytes(key);
    return bytes?.length === 32 ? bytes : null;
  },

  async verify({ request, secrets, nowSeconds, toleranceSeconds }) {
    const header = request.headers.get(SIGNATURE);
    if (header === null) return err({ reason: "missing_header", header: SIGNATURE });
    const rawTimestamp = request.headers.get(TIMESTAMP);
    if (rawTimestamp === null) return err({ reason: "missing_header", header: TIMESTAMP });
    const timestamp = parseUnixSeconds(rawTimestamp);
    if (timestamp === null) return err({ reason: "malformed_header", header: TIMESTAMP });
    const signature = hexToBytes(header);
    if (signature?.length !== 64) return err({ reason: "malformed_header", header: SIGNATURE });
    const fresh = checkFreshness(timestamp, nowSeconds, toleranceSeconds);
    if (!fresh.ok) return fresh;
    const signed = concatBytes(rawTimestamp, request.body);
    return (await signatureMatchesAny("Ed25519", secrets, signed, [signature]))
      ? verified
      : err({ reason: "bad_signature" });
  },

  identify(_request, body) {
    const interaction = body.json();
    const kind = interactionType(interaction);
    if (typeof kind !== "number")
      return err({ reason: "invalid_body", detail: "interactions carry a numeric `type`" });
    const name = TYPES[kind] || `interaction_${kind}`;
    const detail = stringField(interaction, "data", "name") ?? stringField(interaction, "data", "custom_id");
    // Discord does not retry interactions; without an `id` the body digest is the id.
    return ok({
      id: stringField(interaction, "id"),
      type: detail ? `${name}.${detail}` : name,
      payload: interaction,
    });
  },

  handshake(_request, body) {
    if (interactionType(body.json()) !== PING) return null;
    return { status: 200, contentType: "application/json", body: JSON.stringify({ type: 1 }) };
  },
};
