import { Signature } from "@hubspot/api-client/lib/src/utils/signature";
import { afterEach, describe, expect, it, vi } from "vitest";
import { hubspot } from "../../src/providers/hubspot";
import { base64ToBytes, bytesToHex } from "../../src/verify/encoding";
import { identifyWith, verifyWith } from "../support/verify-with";

// HubSpot publishes no v3 vector, so signatures come from the official SDK (@hubspot/api-client):
// `Signature.getSignature(method, "v3", { clientSecret, requestBody, url, timestamp })`, and are
// checked back with `Signature.isValid(...)`. The SDK signs the uri it is given; HubSpot's docs say to
// decode `%3A %2F %3F %40 %21 %24 %27 %28 %29 %2A %2C %3B` in the request URI first, so the SDK gets that
// decoded form while the verifier gets the URL as requested:
// https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/request-validation
// The body is the CRM event example of that page.
const SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy";
const NOW = 1_700_000_000;
const TIMESTAMP = NOW * 1000 + 123;
const ENDPOINT = "https://hookgate.test/webhooks/hubspot";
const BODY =
  '[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]';

const sign = (url: string, body: string, timestamp: number, clientSecret = SECRET, method = "POST") =>
  Signature.getSignature(method, "v3", { clientSecret, requestBody: body, url, timestamp, signature: "" });

function parts({
  url = ENDPOINT,
  signedUrl = url,
  body = BODY,
  timestamp = TIMESTAMP,
  secret = SECRET,
  method = "POST",
}: {
  url?: string;
  signedUrl?: string;
  body?: string;
  timestamp?: number;
  secret?: string;
  method?: string;
} = {}) {
  return {
    url,
    method,
    headers: {
      "content-type": "application/json",
      "x-hubspot-signature-v3": sign(signedUrl, body, timestamp, secret, method),
      "x-hubspot-request-timestamp": String(timestamp),
    },
    body,
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("hubspot verifier", () => {
  it("accepts a v3 signature made by the SDK, which the SDK also accepts", async () => {
    const request = parts();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(NOW * 1000);
    const sdkSaysValid = Signature.isValid({
      signatureVersion: "v3",
      signature: request.headers["x-hubspot-signature-v3"],
      clientSecret: SECRET,
      requestBody: BODY,
      url: ENDPOINT,
      method: "POST",
      timestamp: TIMESTAMP,
    });
    expect(sdkSaysValid).toBe(true);
    expect(await verifyWith(hubspot, request, [SECRET], NOW)).toEqual({ ok: true, value: true });
  });

  it("decodes only the escapes HubSpot's table lists before checking the uri", async () => {
    const url = `${ENDPOINT}?email=a%40b.example&path=%2Fx%3Ay&list=%28a%2Cb%29%3B%21%24%27%2a%3f&space=a%20b`;
    const decoded = `${ENDPOINT}?email=a@b.example&path=/x:y&list=(a,b);!$'*?&space=a%20b`;
    expect((await verifyWith(hubspot, parts({ url, signedUrl: decoded }), [SECRET], NOW)).ok).toBe(true);
    expect(await verifyWith(hubspot, parts({ url, signedUrl: url }), [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("signs the method and the URL: another of either fails", async () => {
    const request = parts();
    expect(await verifyWith(hubspot, { ...request, method: "PUT" }, [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
    expect(await verifyWith(hubspot, { ...request, url: `${ENDPOINT}?x=1` }, [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects a changed body and another client secret", async () => {
    const changed = { ...parts(), body: BODY.replace('"objectId":123', '"objectId":124') };
    expect(await verifyWith(hubspot, changed, [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
    expect(
      await verifyWith(hubspot, parts({ secret: "another-client-secret" }), [SECRET], NOW),
    ).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects timestamps more than 5 minutes old or ahead, reading them as milliseconds", async () => {
    const at = (timestamp: number) => verifyWith(hubspot, parts({ timestamp }), [SECRET], NOW);
    expect((await at(NOW * 1000 - 299_000)).ok).toBe(true);
    expect(await at(NOW * 1000 - 301_000)).toMatchObject({ error: { reason: "stale", now: NOW } });
    expect(await at(NOW * 1000 + 301_000)).toMatchObject({ error: { reason: "future", now: NOW } });
    // A timestamp in seconds reads as 1970 and is stale, not accepted.
    expect(await at(NOW)).toMatchObject({ error: { reason: "stale" } });
  });

  it("rejects a missing signature or timestamp header", async () => {
    for (const header of ["x-hubspot-signature-v3", "x-hubspot-request-timestamp"]) {
      const request = parts();
      const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => name !== header));
      expect(await verifyWith(hubspot, { ...request, headers }, [SECRET], NOW)).toMatchObject({
        error: { reason: "missing_header", header },
      });
    }
  });

  it("rejects a hex signature and a timestamp that is not whole milliseconds", async () => {
    const request = parts();
    const hex = bytesToHex(base64ToBytes(request.headers["x-hubspot-signature-v3"])!);
    const withHeaders = (headers: Record<string, string>) => ({
      ...request,
      headers: { ...request.headers, ...headers },
    });
    expect(
      await verifyWith(hubspot, withHeaders({ "x-hubspot-signature-v3": hex }), [SECRET], NOW),
    ).toMatchObject({
      error: { reason: "malformed_header", header: "x-hubspot-signature-v3" },
    });
    for (const timestamp of ["soon", `${TIMESTAMP}.5`, "-1", ""]) {
      expect(
        await verifyWith(hubspot, withHeaders({ "x-hubspot-request-timestamp": timestamp }), [SECRET], NOW),
      ).toMatchObject({ error: { reason: "malformed_header", header: "x-hubspot-request-timestamp" } });
    }
  });

  it("accepts the previous client secret during a rotation", async () => {
    expect((await verifyWith(hubspot, parts(), ["the-new-client-secret", SECRET], NOW)).ok).toBe(true);
  });
});

describe("hubspot events", () => {
  const event = (eventId: unknown, subscriptionType = "contact.creation") => ({
    eventId,
    subscriptionId: 12345,
    portalId: 62515,
    occurredAt: 1564113600000,
    subscriptionType,
    attemptNumber: 0,
    objectId: 123,
  });
  const identify = (events: unknown) => identifyWith(hubspot, { headers: {}, body: JSON.stringify(events) });

  it("identifies a single-event batch by its eventId and subscriptionType", () => {
    expect(identifyWith(hubspot, { headers: {}, body: BODY })).toEqual({
      ok: true,
      value: { id: "1", type: "contact.creation", payload: JSON.parse(BODY) },
    });
  });

  it("joins every eventId of a batch, so batches sharing a first event stay apart", () => {
    expect(identify([event(1), event(2)])).toMatchObject({ value: { id: "1,2", type: "contact.creation" } });
    expect(identify([event(1), event(3)])).toMatchObject({ value: { id: "1,3" } });
  });

  it("types a batch of several subscription types as mixed", () => {
    expect(identify([event(1), event(2, "deal.creation")])).toMatchObject({
      value: { id: "1,2", type: "mixed" },
    });
  });

  it("leaves the id to the body digest when an eventId is missing or the list is too long", () => {
    for (const events of [
      [event(1), event(undefined)],
      Array.from({ length: 60 }, (_, i) => event(10 ** 9 + i)),
    ]) {
      const identity = identify(events);
      expect(identity.ok && identity.value.id).toBeUndefined();
    }
  });

  it("refuses a body that is not a non-empty JSON array", () => {
    for (const body of ["{}", "[]", "not json"]) {
      expect(identifyWith(hubspot, { headers: {}, body })).toMatchObject({
        error: { reason: "invalid_body" },
      });
    }
  });
});

// HubSpot's published examples for the older signatures (same client secret and body as above):
// v1, "Example for a request with a body": SHA-256 of secret + body = 232db261…;
// v2, "Example for a GET request": SHA-256 of secret + "GET" + "https://www.example.com/webhook_uri" = eee2dddc….
// https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests
describe("hubspot v1 and v2 signatures", () => {
  const V1 = "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de";
  const V2 = "eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e";
  const legacy = (signature: string, version: string, extra: Record<string, string> = {}) => ({
    headers: { "x-hubspot-signature": signature, "x-hubspot-signature-version": version, ...extra },
    body: BODY,
    url: ENDPOINT,
  });

  it("accepts HubSpot's published v1 example", async () => {
    expect((await verifyWith(hubspot, legacy(V1, "v1"), [SECRET], NOW)).ok).toBe(true);
  });

  it("accepts HubSpot's published v2 example (a GET without a body)", async () => {
    const request = {
      headers: { "x-hubspot-signature": V2, "x-hubspot-signature-version": "v2" },
      body: "",
      url: "https://www.example.com/webhook_uri",
      method: "GET",
    };
    expect((await verifyWith(hubspot, request, [SECRET], NOW)).ok).toBe(true);
    expect((await verifyWith(hubspot, { ...request, method: "POST" }, [SECRET], NOW)).ok).toBe(false);
  });

  it("rejects a changed body, the wrong version, another secret and an unknown version", async () => {
    expect(await verifyWith(hubspot, { ...legacy(V1, "v1"), body: `${BODY} ` }, [SECRET], NOW)).toMatchObject(
      {
        error: { reason: "bad_signature" },
      },
    );
    expect(await verifyWith(hubspot, legacy(V1, "v2"), [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
    expect(await verifyWith(hubspot, legacy(V1, "v1"), ["other"], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
    expect(await verifyWith(hubspot, legacy(V1, "v4"), [SECRET], NOW)).toMatchObject({
      error: { reason: "malformed_header", header: "x-hubspot-signature-version" },
    });
  });

  it("prefers v3 when present: a bad v3 is not rescued by a valid v1", async () => {
    const withBadV3 = legacy(V1, "v1", {
      "x-hubspot-signature-v3": btoa("x".repeat(32)),
      "x-hubspot-request-timestamp": String(TIMESTAMP),
    });
    expect(await verifyWith(hubspot, withBadV3, [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("accepts the previous client secret during a rotation", async () => {
    expect((await verifyWith(hubspot, legacy(V1, "v1"), ["new-secret", SECRET], NOW)).ok).toBe(true);
  });
});
