import { EventWebhook } from "@sendgrid/eventwebhook";
import { describe, expect, it } from "vitest";
import { sendgrid } from "../../src/providers/sendgrid";
import { base64ToBytes, bytesToBase64, bytesToHex } from "../../src/verify/encoding";
import { ecdsaDerToP1363 } from "../../src/verify/public-key";
import { identifyWith, verifyWith } from "../support/verify-with";

// Official vectors from the SendGrid SDK's own tests: @sendgrid/eventwebhook 8.0.0,
// node_modules/@sendgrid/eventwebhook/src/eventwebhook.spec.js (github.com/sendgrid/sendgrid-nodejs,
// packages/eventwebhook/src/eventwebhook.spec.js). Each is also checked with the SDK's
// `new EventWebhook().verifySignature(convertPublicKeyToECDSA(key), payload, signature, timestamp)`.
const PUBLIC_KEY =
  "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==";
const SIGNATURE =
  "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM=";
const TIMESTAMP = 1600112502;
const PAYLOAD = `${JSON.stringify([
  {
    email: "hello@world.com",
    event: "dropped",
    reason: "Bounced Address",
    sg_event_id: "ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA",
    sg_message_id: "LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0",
    "smtp-id": "<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>",
    timestamp: 1600112492,
  },
])}\r\n`;
const PUBLIC_KEY_MULTIPLE =
  "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEQ4LIFtWztlsF7skFqOncjD1lun4H5w8XOhyOArHW9RcIx/FfEzx6cikC/yPfUvwaX/JScE7Fc9CJD2afQ9Ok3Q==";
const SIGNATURE_MULTIPLE =
  "MEYCIQC/I4o6vCgqRYrTljjoVWB/GRWNtxeePlLMHr3x9ETeRQIhAIpV+03nREPTTHWSW0wIOA0EoMPdcNgXa70yCaqDJlu5";
const TIMESTAMP_MULTIPLE = 1619651159;
const PAYLOAD_MULTIPLE = `${JSON.stringify([
  {
    email: "invalid@gmail.com",
    event: "processed",
    send_at: 0,
    sg_event_id: "cHJvY2Vzc2VkLTE5OTQyMTEyLXFOd0JMZ1BRUWpXNkRKdktRd1NBYnctMA",
    sg_message_id: "qNwBLgPQQjW6DJvKQwSAbw.filterdrecv-canary-547b64655b-cw6zx-1-6089EA4A-56.0",
    "smtp-id": "<qNwBLgPQQjW6DJvKQwSAbw@ismtpd0178p1mdw1.sendgrid.net>",
    timestamp: 1619651146,
  },
  {
    email: "invalid@gmail.com",
    event: "bounce",
    ip: "167.89.101.76",
    reason:
      "552 5.2.2 The email account that you tried to reach is over quota and inactive. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaPerm c17si1130468pgv.34 - gsmtp",
    sg_event_id: "Ym91bmNlLTAtMTk5NDIxMTItcU53QkxnUFFRalc2REp2S1F3U0Fidy0w",
    sg_message_id: "qNwBLgPQQjW6DJvKQwSAbw.filterdrecv-canary-547b64655b-cw6zx-1-6089EA4A-56.0",
    "smtp-id": "<qNwBLgPQQjW6DJvKQwSAbw@ismtpd0178p1mdw1.sendgrid.net>",
    status: "5.2.2",
    timestamp: 1619651147,
    tls: 1,
    type: "blocked",
  },
])
  .split("},{")
  .join("},\r\n{")}\r\n`;
const OTHER_KEY =
  "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqTxd43gyp8IOEto2LdIfjRQrIbsd4SXZkLW6jDutdhXSJCWHw8REntlo7aNDthvj+y7GjUuFDb/R1NGe1OPzpA==";
const BAD_SIGNATURE =
  "MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH3j/0=";

const parts = (signature = SIGNATURE, timestamp = String(TIMESTAMP), body = PAYLOAD) => ({
  headers: {
    "content-type": "application/json",
    "x-twilio-email-event-webhook-signature": signature,
    "x-twilio-email-event-webhook-timestamp": timestamp,
  },
  body,
});

const sdkVerifies = (key: string, payload: string, signature: string, timestamp: number | string) => {
  const webhook = new EventWebhook();
  return webhook.verifySignature(webhook.convertPublicKeyToECDSA(key), payload, signature, String(timestamp));
};

describe("sendgrid verifier", () => {
  it("accepts the SDK's single-event vector", async () => {
    expect(sdkVerifies(PUBLIC_KEY, PAYLOAD, SIGNATURE, TIMESTAMP)).toBe(true);
    expect(await verifyWith(sendgrid, parts(), [PUBLIC_KEY], TIMESTAMP)).toEqual({ ok: true, value: true });
  });

  it("accepts the SDK's multi-event vector (CRLF between events)", async () => {
    expect(sdkVerifies(PUBLIC_KEY_MULTIPLE, PAYLOAD_MULTIPLE, SIGNATURE_MULTIPLE, TIMESTAMP_MULTIPLE)).toBe(
      true,
    );
    const request = parts(SIGNATURE_MULTIPLE, String(TIMESTAMP_MULTIPLE), PAYLOAD_MULTIPLE);
    expect((await verifyWith(sendgrid, request, [PUBLIC_KEY_MULTIPLE], TIMESTAMP_MULTIPLE)).ok).toBe(true);
  });

  it("rejects a changed body, including a body without SendGrid's trailing CRLF", async () => {
    for (const body of ["payload", PAYLOAD.trimEnd(), PAYLOAD.replace("dropped", "delivered")]) {
      expect(
        await verifyWith(sendgrid, parts(SIGNATURE, String(TIMESTAMP), body), [PUBLIC_KEY], TIMESTAMP),
      ).toMatchObject({
        error: { reason: "bad_signature" },
      });
    }
  });

  it("rejects the SDK's signature made with another key, and its bad signature", async () => {
    expect(sdkVerifies(OTHER_KEY, PAYLOAD, SIGNATURE, TIMESTAMP)).toBe(false);
    expect(await verifyWith(sendgrid, parts(), [OTHER_KEY], TIMESTAMP)).toMatchObject({
      error: { reason: "bad_signature" },
    });
    expect(await verifyWith(sendgrid, parts(BAD_SIGNATURE), [PUBLIC_KEY], TIMESTAMP)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects a changed timestamp, since it is signed", async () => {
    expect(
      await verifyWith(sendgrid, parts(SIGNATURE, String(TIMESTAMP + 1)), [PUBLIC_KEY], TIMESTAMP),
    ).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects stale and future timestamps (gateway default 300 s; SendGrid documents none)", async () => {
    expect(await verifyWith(sendgrid, parts(), [PUBLIC_KEY], TIMESTAMP + 301)).toMatchObject({
      error: { reason: "stale" },
    });
    expect(await verifyWith(sendgrid, parts(), [PUBLIC_KEY], TIMESTAMP - 301)).toMatchObject({
      error: { reason: "future" },
    });
  });

  it("rejects missing signature and timestamp headers", async () => {
    expect(await verifyWith(sendgrid, { headers: {}, body: PAYLOAD }, [PUBLIC_KEY], TIMESTAMP)).toMatchObject(
      {
        error: { reason: "missing_header", header: "x-twilio-email-event-webhook-signature" },
      },
    );
    const noTimestamp = { headers: { "x-twilio-email-event-webhook-signature": SIGNATURE }, body: PAYLOAD };
    expect(await verifyWith(sendgrid, noTimestamp, [PUBLIC_KEY], TIMESTAMP)).toMatchObject({
      error: { reason: "missing_header", header: "x-twilio-email-event-webhook-timestamp" },
    });
  });

  it("rejects hex, raw r||s and trailing-garbage signatures and a 'timestamp' timestamp as malformed", async () => {
    const der = base64ToBytes(SIGNATURE)!;
    const raw = bytesToBase64(ecdsaDerToP1363(der)!);
    const trailing = bytesToBase64(new Uint8Array([...der, 0]));
    for (const signature of [bytesToHex(der), raw, trailing, "MEUCIGHQ"]) {
      expect(await verifyWith(sendgrid, parts(signature), [PUBLIC_KEY], TIMESTAMP)).toMatchObject({
        error: { reason: "malformed_header", header: "x-twilio-email-event-webhook-signature" },
      });
    }
    expect(await verifyWith(sendgrid, parts(SIGNATURE, "timestamp"), [PUBLIC_KEY], TIMESTAMP)).toMatchObject({
      error: { reason: "malformed_header", header: "x-twilio-email-event-webhook-timestamp" },
    });
  });

  it("converts strict DER only: a negative or zero-padded integer is refused", () => {
    const der = base64ToBytes(SIGNATURE)!; // 30 45 02 20 <r: 32 bytes> 02 21 00 <s: 32 bytes>
    expect(ecdsaDerToP1363(der)).toHaveLength(64);
    const padded = new Uint8Array([0x30, 0x46, 0x02, 0x21, 0x00, ...der.subarray(4)]);
    expect(ecdsaDerToP1363(padded)).toBeNull();
    const negative = der.slice();
    negative[4] = 0x80;
    expect(ecdsaDerToP1363(negative)).toBeNull();
  });

  it("accepts the previous verification key during a rotation", async () => {
    expect((await verifyWith(sendgrid, parts(), [PUBLIC_KEY_MULTIPLE, PUBLIC_KEY], TIMESTAMP)).ok).toBe(true);
  });

  it("takes the key as base64 SPKI or PEM, and refuses keys that are not P-256", () => {
    const pem = `-----BEGIN PUBLIC KEY-----\n${PUBLIC_KEY.slice(0, 64)}\n${PUBLIC_KEY.slice(64)}\n-----END PUBLIC KEY-----\n`;
    expect(sendgrid.decodeSecret(PUBLIC_KEY)).toHaveLength(91);
    expect(sendgrid.decodeSecret(pem)).toEqual(sendgrid.decodeSecret(PUBLIC_KEY));
    expect(sendgrid.decodeSecret("MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")).toBeNull();
    expect(sendgrid.decodeSecret(PUBLIC_KEY.slice(0, 60))).toBeNull();
    expect(sendgrid.keyKind).toBe("publicKey");
  });
});

describe("sendgrid events", () => {
  it("identifies a single-event batch by its sg_event_id and event", () => {
    expect(identifyWith(sendgrid, parts())).toMatchObject({
      ok: true,
      value: { id: "ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA", type: "dropped" },
    });
  });

  it("types a multi-event batch `batch` and leaves its id to the body digest", () => {
    const identity = identifyWith(sendgrid, parts(SIGNATURE, String(TIMESTAMP), PAYLOAD_MULTIPLE));
    expect(identity).toMatchObject({
      ok: true,
      value: { type: "batch", payload: [{ event: "processed" }, { event: "bounce" }] },
    });
    expect(identity.ok && identity.value.id).toBeUndefined();
  });

  it("requires a non-empty JSON array", () => {
    for (const body of ["[]", '{"event":"open"}', "not json"]) {
      expect(identifyWith(sendgrid, parts(SIGNATURE, String(TIMESTAMP), body))).toMatchObject({
        ok: false,
        error: { reason: "invalid_body" },
      });
    }
  });
});
