import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { livekit } from "../../src/providers/livekit";
import { identifyWith, verifyWith } from "../support/verify-with";

// LiveKit sends `Authorization: <JWT>`, HS256 with the API secret, whose `sha256` claim is the base64 SHA-256 of
// the body (https://docs.livekit.io/home/server/webhooks/); its notifier (livekit/protocol webhook/url_notifier.go)
// makes the token valid for 5 minutes. BODY, KEY, SECRET and SHA are the vector of the Node SDK's own test
// (livekit/node-sdks packages/livekit-server-sdk/src/WebhookReceiver.test.ts); the token is built here with
// node:crypto as `AccessToken.toJwt()` builds it (the SDK is not a dependency).
const KEY = "abcdefg";
const SECRET = "abababa";
const PREVIOUS = "previous-api-secret";
const BODY =
  '{"event":"room_started", "room":{"sid":"RM_TkVjUvAqgzKz", "name":"mytestroom", "emptyTimeout":300, "creationTime":"1628545903", "turnPassword":"ICkSr2rEeslkN6e9bXL4Ji5zzMD5Z7zzr6ulOaxMj6N", "enabledCodecs":[{"mime":"audio/opus"}, {"mime":"video/VP8"}]}}';
const SHA = "CoEQz1chqJ9bnZRcORddjplkvpjmPujmLTR42DbefYI=";
const NOW = 1_628_545_903;

const b64url = (value: string | Buffer) => Buffer.from(value).toString("base64url");
function jwt(
  claims: Record<string, unknown>,
  secret = SECRET,
  header: object = { alg: "HS256", typ: "JWT" },
) {
  const unsigned = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${unsigned}.${createHmac("sha256", secret).update(unsigned).digest("base64url")}`;
}
const claims = (overrides: Record<string, unknown> = {}) => ({
  iss: KEY,
  nbf: NOW,
  exp: NOW + 300,
  sha256: SHA,
  video: {},
  ...overrides,
});
const parts = (token: string | null = jwt(claims()), body = BODY) => ({
  headers: token === null ? ({} as Record<string, string>) : { authorization: token },
  body,
});

describe("livekit verifier", () => {
  it("accepts the Node SDK's vector body with its sha256 claim", async () => {
    expect(createHash("sha256").update(BODY).digest("base64")).toBe(SHA);
    expect(await verifyWith(livekit, parts(), [SECRET], NOW)).toEqual({ ok: true, value: true });
  });

  it("rejects a changed body, changed claims and another secret", async () => {
    expect(
      await verifyWith(livekit, parts(undefined, BODY.replace("mytestroom", "other")), [SECRET], NOW),
    ).toMatchObject({ error: { reason: "bad_signature" } });
    const [header, , signature] = jwt(claims()).split(".");
    const forged = `${header}.${b64url(JSON.stringify(claims({ exp: NOW + 9999 })))}.${signature}`;
    expect(await verifyWith(livekit, parts(forged), [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
    expect(await verifyWith(livekit, parts(jwt(claims(), "wrong")), [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("only tries HS256, whatever algorithm the token names", async () => {
    const unsigned = `${b64url(JSON.stringify({ alg: "none" }))}.${b64url(JSON.stringify(claims()))}.`;
    expect(await verifyWith(livekit, parts(unsigned), [SECRET], NOW)).toMatchObject({
      error: { reason: "malformed_header" },
    });
    const hs512 = jwt(claims(), SECRET, { alg: "HS512", typ: "JWT" });
    expect((await verifyWith(livekit, parts(hs512), [SECRET], NOW)).ok).toBe(true);
  });

  it("refuses an expired token, and one issued too long ago or ahead", async () => {
    expect(await verifyWith(livekit, parts(), [SECRET], NOW + 301)).toMatchObject({
      error: { reason: "stale" },
    });
    const longLived = jwt(claims({ exp: NOW + 3600 }));
    expect(await verifyWith(livekit, parts(longLived), [SECRET], NOW + 301)).toMatchObject({
      error: { reason: "stale" },
    });
    expect(await verifyWith(livekit, parts(), [SECRET], NOW - 301)).toMatchObject({
      error: { reason: "future" },
    });
    expect((await verifyWith(livekit, parts(), [SECRET], NOW + 300)).ok).toBe(true);
  });

  it("reports a missing header, and tokens that are not three base64url parts or lack the claims", async () => {
    expect(await verifyWith(livekit, parts(null), [SECRET], NOW)).toMatchObject({
      error: { reason: "missing_header", header: "authorization" },
    });
    const token = jwt(claims());
    for (const wrong of [`Bearer ${token}`, `${token}.x`, token.replace(/\.[^.]+$/, ".c2ln"), "a.b", ""]) {
      expect(await verifyWith(livekit, parts(wrong), [SECRET], NOW)).toMatchObject({
        error: { reason: "malformed_header", header: "authorization" },
      });
    }
    const { sha256: _, ...withoutSha } = claims();
    expect(await verifyWith(livekit, parts(jwt(withoutSha)), [SECRET], NOW)).toMatchObject({
      error: { reason: "malformed_header" },
    });
  });

  it("accepts the previous API secret during a rotation", async () => {
    expect((await verifyWith(livekit, parts(jwt(claims(), PREVIOUS)), [SECRET, PREVIOUS], NOW)).ok).toBe(
      true,
    );
  });

  it("identifies an event by body id and types it by body event, else by the body digest", () => {
    const event = JSON.stringify({
      event: "participant_joined",
      id: "EV_3tAQ9AFd5NSj",
      createdAt: String(NOW),
    });
    expect(identifyWith(livekit, parts(undefined, event))).toMatchObject({
      ok: true,
      value: { id: "EV_3tAQ9AFd5NSj", type: "participant_joined" },
    });
    expect(identifyWith(livekit, parts())).toMatchObject({
      ok: true,
      value: { id: undefined, type: "room_started" },
    });
    expect(identifyWith(livekit, parts(undefined, "x"))).toMatchObject({ error: { reason: "invalid_body" } });
  });
});
