import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { browserbase } from "../../src/providers/browserbase";
import { identifyWith, verifyWith } from "../support/verify-with";

// Browserbase deliveries follow the Standard Webhooks specification and its docs verify them with the
// `standardwebhooks` SDK (https://docs.browserbase.com/platform/webhooks/verifying-deliveries); signed here with
// that SDK. Event types are the Functions events of its webhook API (`functions.invocations.completed`, …).
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const PREVIOUS = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const NOW = 1_760_000_000;
const ID = "msg_2x7Kq0fV4bN9cR1sTz8wYp3LmD";
const event = (type = "functions.invocations.completed") =>
  JSON.stringify({ type, data: { invocationId: "inv_123", functionId: "fn_456", status: "COMPLETED" } });
const BODY = event();

function signed({ body = BODY, secret = SECRET, timestamp = NOW, id = ID } = {}) {
  const signature = new Webhook(secret).sign(id, new Date(timestamp * 1000), body);
  return {
    headers: { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": signature },
    body,
  };
}

describe("browserbase verifier", () => {
  it("accepts a delivery signed by the standardwebhooks SDK", async () => {
    expect(await verifyWith(browserbase, signed(), [SECRET], NOW)).toEqual({ ok: true, value: true });
  });

  it("rejects a changed body, a changed timestamp and another secret", async () => {
    const changed = { ...signed(), body: event("functions.invocations.failed") };
    expect(await verifyWith(browserbase, changed, [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
    const moved = signed();
    moved.headers["webhook-timestamp"] = String(NOW + 1);
    expect(await verifyWith(browserbase, moved, [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
    expect(await verifyWith(browserbase, signed({ secret: PREVIOUS }), [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects stale and future timestamps", async () => {
    expect(await verifyWith(browserbase, signed({ timestamp: NOW - 301 }), [SECRET], NOW)).toMatchObject({
      error: { reason: "stale" },
    });
    expect(await verifyWith(browserbase, signed({ timestamp: NOW + 301 }), [SECRET], NOW)).toMatchObject({
      error: { reason: "future" },
    });
  });

  it("refuses svix-* headers, which Browserbase does not send", async () => {
    const svix = Object.fromEntries(
      Object.entries(signed().headers).map(([name, value]) => [name.replace("webhook-", "svix-"), value]),
    );
    expect(await verifyWith(browserbase, { headers: svix, body: BODY }, [SECRET], NOW)).toMatchObject({
      error: { reason: "missing_header" },
    });
  });

  it("accepts the previous secret during its 24-hour rotation window", async () => {
    expect((await verifyWith(browserbase, signed({ secret: PREVIOUS }), [SECRET, PREVIOUS], NOW)).ok).toBe(
      true,
    );
  });

  it("identifies a delivery by its signed message id and body type", () => {
    expect(identifyWith(browserbase, signed())).toMatchObject({
      ok: true,
      value: { id: ID, type: "functions.invocations.completed" },
    });
  });
});
