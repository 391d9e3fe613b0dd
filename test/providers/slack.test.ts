import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { slack } from "../../src/providers/slack";
import { handshakeWith, identifyWith, verifyWith } from "../support/verify-with";

// Official vector: https://api.slack.com/authentication/verifying-requests-from-slack#a_recipe_for_security
const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const TIMESTAMP = 1531420618;
const BODY =
  "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
const SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

const parts = (body = BODY, signature = SIGNATURE, timestamp = String(TIMESTAMP)) => ({
  headers: {
    "x-slack-signature": signature,
    "x-slack-request-timestamp": timestamp,
    "content-type": "application/x-www-form-urlencoded",
  },
  body,
});
const sign = (body: string, ts: number, secret = SECRET) =>
  `v0=${createHmac("sha256", secret).update(`v0:${ts}:${body}`).digest("hex")}`;

describe("slack verifier", () => {
  it("accepts Slack's documented example request", async () => {
    expect((await verifyWith(slack, parts(), [SECRET], TIMESTAMP + 10)).ok).toBe(true);
  });

  it("rejects a changed body and another secret", async () => {
    expect((await verifyWith(slack, parts(`${BODY}&x=1`), [SECRET], TIMESTAMP)).ok).toBe(false);
    expect((await verifyWith(slack, parts(), ["another secret"], TIMESTAMP)).ok).toBe(false);
  });

  it("rejects stale and future timestamps (300 s)", async () => {
    expect(await verifyWith(slack, parts(), [SECRET], TIMESTAMP + 301)).toMatchObject({
      error: { reason: "stale" },
    });
    expect(await verifyWith(slack, parts(), [SECRET], TIMESTAMP - 301)).toMatchObject({
      error: { reason: "future" },
    });
  });

  it("rejects missing headers and wrong encodings", async () => {
    expect(await verifyWith(slack, { headers: {}, body: BODY }, [SECRET], TIMESTAMP)).toMatchObject({
      error: { reason: "missing_header", header: "x-slack-signature" },
    });
    expect(await verifyWith(slack, parts(BODY, SIGNATURE, "yesterday"), [SECRET], TIMESTAMP)).toMatchObject({
      error: { reason: "malformed_header" },
    });
    expect(await verifyWith(slack, parts(BODY, SIGNATURE.slice(3)), [SECRET], TIMESTAMP)).toMatchObject({
      error: { reason: "malformed_header" },
    });
  });

  it("accepts the previous signing secret during a rotation", async () => {
    expect((await verifyWith(slack, parts(), ["new secret", SECRET], TIMESTAMP)).ok).toBe(true);
  });

  it("identifies Events API callbacks by event_id and inner event type", () => {
    const body = JSON.stringify({
      type: "event_callback",
      event_id: "Ev123",
      event: { type: "app_mention" },
    });
    expect(identifyWith(slack, { headers: { "content-type": "application/json" }, body })).toMatchObject({
      ok: true,
      value: { id: "Ev123", type: "app_mention" },
    });
  });

  it("reads an Events API body as such whatever the unsigned Content-Type says", () => {
    // A captured event re-sent as a form must keep its event_id, or it would be accepted a second time.
    const body = JSON.stringify({
      type: "event_callback",
      event_id: "Ev123",
      event: { type: "app_mention" },
    });
    for (const contentType of ["application/x-www-form-urlencoded", "text/plain"]) {
      expect(identifyWith(slack, { headers: { "content-type": contentType }, body })).toMatchObject({
        ok: true,
        value: { id: "Ev123", type: "app_mention" },
      });
    }
    // A slash command's form labelled JSON is refused (400), never read as another event.
    expect(
      identifyWith(slack, { headers: { "content-type": "application/json" }, body: BODY }),
    ).toMatchObject({
      ok: false,
      error: { reason: "invalid_body" },
    });
  });

  it("reads interactivity payloads from the form field `payload`", () => {
    const body = `payload=${encodeURIComponent(JSON.stringify({ type: "block_actions", trigger_id: "t1" }))}`;
    const identity = identifyWith(slack, {
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
    });
    expect(identity).toMatchObject({
      ok: true,
      value: { type: "block_actions", payload: { trigger_id: "t1" } },
    });
    expect(identity.ok && identity.value.id).toBeUndefined();
  });

  it("answers url_verification with the challenge, and nothing else", () => {
    const body = JSON.stringify({
      type: "url_verification",
      challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
    });
    expect(handshakeWith(slack, { headers: {}, body })).toEqual({
      status: 200,
      contentType: "application/json",
      body: JSON.stringify({ challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" }),
    });
    expect(
      handshakeWith(slack, { headers: {}, body: JSON.stringify({ type: "event_callback" }) }),
    ).toBeNull();
  });

  it("verifies a JSON event it signed itself with the documented recipe", async () => {
    const body = JSON.stringify({ event_id: "Ev1" });
    expect((await verifyWith(slack, parts(body, sign(body, TIMESTAMP)), [SECRET], TIMESTAMP)).ok).toBe(true);
  });
});
