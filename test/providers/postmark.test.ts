import { describe, expect, it } from "vitest";
import { postmark } from "../../src/providers/postmark";
import { identifyWith, verifyWith } from "../support/verify-with";

// Postmark signs nothing; it sends the webhook URL's credentials as HTTP Basic auth
// (https://postmarkapp.com/developer/webhooks/webhooks-overview#protecting-your-webhook). The header is built
// as any client builds it from `https://<user>:<password>@host/…`: `Basic base64(user:password)` (RFC 7617).
// Payloads are trimmed from the examples of https://postmarkapp.com/developer/webhooks/delivery-webhook and
// https://postmarkapp.com/developer/webhooks/open-tracking-webhook.
const SECRET = "hookgate:c2f1d8e0b6a94f7e";
const PREVIOUS = "hookgate:0ld-pa55word";
const NOW = 1_700_000_000;
const DELIVERY = JSON.stringify({
  RecordType: "Delivery",
  ServerID: 23,
  MessageStream: "outbound",
  MessageID: "00000000-0000-0000-0000-000000000000",
  Recipient: "john@example.com",
  Tag: "welcome-email",
  DeliveredAt: "2019-11-05T16:33:54.9070259Z",
  Details: "Test delivery webhook details",
});
const OPEN = JSON.stringify({
  RecordType: "Open",
  MessageStream: "outbound",
  FirstOpen: true,
  Recipient: "john@example.com",
  MessageID: "00000000-0000-0000-0000-000000000000",
  ReceivedAt: "2019-11-05T16:33:54.9070259Z",
});

const basic = (credentials: string) => `Basic ${btoa(credentials)}`;
function request(authorization?: string, body = DELIVERY) {
  const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
  return { headers, body };
}

describe("postmark verifier", () => {
  it("accepts the webhook URL's Basic credentials", async () => {
    expect(await verifyWith(postmark, request(basic(SECRET)), [SECRET], NOW)).toEqual({
      ok: true,
      value: true,
    });
    expect((await verifyWith(postmark, request(`basic  ${btoa(SECRET)}`), [SECRET], NOW)).ok).toBe(true);
  });

  it("rejects other credentials, including a prefix or an extension of the secret", async () => {
    for (const credentials of [PREVIOUS, "hookgate:c2f1d8e0b6a94f7", `${SECRET}x`, "hookgate:", ":"]) {
      expect(await verifyWith(postmark, request(basic(credentials)), [SECRET], NOW)).toMatchObject({
        error: { reason: "bad_signature" },
      });
    }
  });

  it("reports a missing Authorization header", async () => {
    expect(await verifyWith(postmark, request(), [SECRET], NOW)).toMatchObject({
      error: { reason: "missing_header", header: "authorization" },
    });
  });

  it("rejects other schemes and credentials that are not base64", async () => {
    for (const header of [
      `Bearer ${btoa(SECRET)}`,
      `Basic ${SECRET}`,
      "Basic",
      "Basic ",
      `Basic ${btoa(SECRET)} x`,
    ]) {
      expect(await verifyWith(postmark, request(header), [SECRET], NOW)).toMatchObject({
        error: { reason: "malformed_header", header: "authorization" },
      });
    }
  });

  it("accepts the previous credentials during a rotation", async () => {
    expect((await verifyWith(postmark, request(basic(PREVIOUS)), [SECRET, PREVIOUS], NOW)).ok).toBe(true);
  });

  it("refuses a configured secret that is not user:password", () => {
    expect(postmark.decodeSecret("no-colon")).toBeNull();
    expect(postmark.decodeSecret(":password-only")).toBeNull();
    expect(postmark.decodeSecret(SECRET)).not.toBeNull();
  });

  it("identifies a delivery by MessageID, RecordType and recipient", () => {
    expect(identifyWith(postmark, request(undefined, DELIVERY))).toMatchObject({
      ok: true,
      value: { id: "00000000-0000-0000-0000-000000000000:Delivery:john@example.com", type: "Delivery" },
    });
  });

  it("leaves repeatable records such as opens to the body digest", () => {
    const identity = identifyWith(postmark, request(undefined, OPEN));
    expect(identity).toMatchObject({ ok: true, value: { type: "Open" } });
    expect(identity.ok && identity.value.id).toBeUndefined();
    expect(identifyWith(postmark, request(undefined, "not json"))).toMatchObject({
      error: { reason: "invalid_body" },
    });
  });
});
