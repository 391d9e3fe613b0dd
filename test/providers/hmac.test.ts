/** The configurable `hmac` provider against fixtures signed by node:crypto in each signedContent style. */
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { HmacSchemeInput } from "../../src/config/hmac-scheme";
import { hmacProvider, parseTimestamp } from "../../src/providers/hmac";
import { identifyWith, verifyWith } from "../support/verify-with";

const SECRET = "hmac-test-secret";
const NOW = 1_700_000_000;
const BODY = JSON.stringify({ event: "job.progress", job_id: "job_42", status: "running", step: 3 });

type Algorithm = "sha1" | "sha256" | "sha512";
type Encoding = "hex" | "base64" | "base64url";
const sign = (content: string, { algorithm = "sha256" as Algorithm, encoding = "hex" as Encoding } = {}) =>
  createHmac(algorithm, SECRET).update(content).digest(encoding);

const providerFor = (scheme: unknown) => hmacProvider(HmacSchemeInput.parse(scheme));

/** Firecrawl's documented scheme: `X-Firecrawl-Signature: sha256=<hex HMAC-SHA256 of the raw body>`. */
const firecrawl = providerFor({
  header: "X-Firecrawl-Signature",
  algorithm: "SHA-256",
  encoding: "hex",
  prefix: "sha256=",
  signedContent: "{body}",
  timestampHeader: null,
  type: "payload.type",
});

const timestamped = providerFor({
  header: "X-Signature",
  signedContent: "{timestamp}.{body}",
  timestampHeader: { name: "X-Timestamp", format: "unix" },
  toleranceSeconds: 300,
  id: ["payload.job_id", "payload.status"],
  type: "payload.event",
});

const withIdHeader = providerFor({
  header: "X-Signature",
  prefix: "v1,",
  encoding: "base64",
  signedContent: "{id}.{timestamp}.{body}",
  timestampHeader: { name: "X-Timestamp", format: "iso8601" },
  id: { header: "X-Delivery-Id" },
  type: "payload.event",
});

const rejects = (reason: string) => ({ ok: false, error: expect.objectContaining({ reason }) });
const ACCEPTED = { ok: true, value: true };

describe("hmac provider: {body} (Firecrawl style)", () => {
  const body = JSON.stringify({ type: "crawl.page", id: "crawl_1", data: [] });
  const request = (signature: string, sent = body) => ({
    headers: { "x-firecrawl-signature": signature },
    body: sent,
  });

  it("accepts a sha256= hex signature of the raw body", async () => {
    expect(await verifyWith(firecrawl, request(`sha256=${sign(body)}`), [SECRET], NOW)).toEqual(ACCEPTED);
  });

  it("rejects a tampered body, another secret, a missing prefix and a missing header", async () => {
    const good = `sha256=${sign(body)}`;
    expect(await verifyWith(firecrawl, request(good, `${body} `), [SECRET], NOW)).toEqual(
      rejects("bad_signature"),
    );
    expect(await verifyWith(firecrawl, request(good), ["other"], NOW)).toEqual(rejects("bad_signature"));
    expect(await verifyWith(firecrawl, request(sign(body)), [SECRET], NOW)).toEqual(
      rejects("malformed_header"),
    );
    expect(await verifyWith(firecrawl, { headers: {}, body }, [SECRET], NOW)).toEqual(
      rejects("missing_header"),
    );
  });

  it("takes the type from a body path, and the body's SHA-256 for the id (no id configured)", () => {
    const identity = identifyWith(firecrawl, request("x"));
    expect(identity).toMatchObject({ ok: true, value: { type: "crawl.page" } });
    expect(identity.ok && "id" in identity.value).toBe(false);
  });

  it("refuses a body without the type path", () => {
    expect(identifyWith(firecrawl, request("x", "{}"))).toMatchObject({ ok: false });
  });

  it("accepts any of up to 8 space-separated signatures (a rotating sender), and refuses more", async () => {
    const good = `sha256=${sign(body)}`;
    const other = `sha256=${"0".repeat(64)}`;
    expect(await verifyWith(firecrawl, request(`${other} ${good}`), [SECRET], NOW)).toEqual(ACCEPTED);
    const nine = [...Array(8).fill(other), good].join(" ");
    expect(await verifyWith(firecrawl, request(nine), [SECRET], NOW)).toEqual(rejects("too_many_signatures"));
  });
});

describe("hmac provider: {timestamp}.{body}", () => {
  const request = (ts: string, signature = sign(`${ts}.${BODY}`), body = BODY) => ({
    headers: { "x-signature": signature, "x-timestamp": ts },
    body,
  });

  it("accepts a fresh timestamp within the tolerance, both ways", async () => {
    for (const ts of [NOW, NOW - 299, NOW + 299])
      expect(await verifyWith(timestamped, request(String(ts)), [SECRET], NOW)).toEqual(ACCEPTED);
  });

  it("rejects stale and future timestamps, even when correctly signed", async () => {
    expect(await verifyWith(timestamped, request(String(NOW - 301)), [SECRET], NOW)).toEqual(
      rejects("stale"),
    );
    expect(await verifyWith(timestamped, request(String(NOW + 301)), [SECRET], NOW)).toEqual(
      rejects("future"),
    );
  });

  it("rejects a timestamp changed after signing, and a malformed or missing one", async () => {
    const signedAt = String(NOW);
    const moved = request(String(NOW + 1), sign(`${signedAt}.${BODY}`));
    expect(await verifyWith(timestamped, moved, [SECRET], NOW)).toEqual(rejects("bad_signature"));
    expect(await verifyWith(timestamped, request("17e8"), [SECRET], NOW)).toEqual(
      rejects("malformed_header"),
    );
    const missing = { headers: { "x-signature": sign(`${signedAt}.${BODY}`) }, body: BODY };
    expect(await verifyWith(timestamped, missing, [SECRET], NOW)).toEqual(rejects("missing_header"));
  });

  it("joins the id's body paths with ':' (numbers too) and reads the type", () => {
    expect(identifyWith(timestamped, request(String(NOW)))).toMatchObject({
      ok: true,
      value: { id: "job_42:running", type: "job.progress" },
    });
    const numeric = providerFor({ header: "x-s", id: ["payload.job_id", "payload.step"] });
    expect(identifyWith(numeric, { headers: {}, body: BODY })).toMatchObject({
      ok: true,
      value: { id: "job_42:3", type: "unknown" },
    });
  });

  it("refuses a body missing an id path", () => {
    const body = JSON.stringify({ event: "job.progress", job_id: "job_42" });
    expect(identifyWith(timestamped, request(String(NOW), "x", body))).toMatchObject({
      ok: false,
      error: { reason: "missing_event_id" },
    });
  });
});

describe("hmac provider: {id}.{timestamp}.{body}", () => {
  const iso = new Date(NOW * 1000).toISOString();
  const request = (id: string, signedId = id) => ({
    headers: {
      "x-signature": `v1,${sign(`${signedId}.${iso}.${BODY}`, { encoding: "base64" })}`,
      "x-timestamp": iso,
      "x-delivery-id": id,
    },
    body: BODY,
  });

  it("accepts the signed id header and uses it as the event id", async () => {
    expect(await verifyWith(withIdHeader, request("msg_1"), [SECRET], NOW)).toEqual(ACCEPTED);
    expect(identifyWith(withIdHeader, request("msg_1"))).toMatchObject({ ok: true, value: { id: "msg_1" } });
  });

  it("rejects a request whose id header was changed after signing (a replay under a new id)", async () => {
    expect(await verifyWith(withIdHeader, request("msg_2", "msg_1"), [SECRET], NOW)).toEqual(
      rejects("bad_signature"),
    );
  });
});

describe("hmac provider: algorithms and encodings", () => {
  const cases: [string, Algorithm, Encoding][] = [
    ["SHA-1", "sha1", "hex"],
    ["SHA-256", "sha256", "base64"],
    ["SHA-256", "sha256", "base64url"],
    ["SHA-512", "sha512", "hex"],
    ["SHA-512", "sha512", "base64url"],
  ];
  it.each(cases)("%s as %s in %s", async (algorithm, nodeAlgorithm, encoding) => {
    const provider = providerFor({ header: "x-sig", algorithm, encoding });
    const signature = sign(BODY, { algorithm: nodeAlgorithm, encoding });
    const request = (value: string, body = BODY) => ({ headers: { "x-sig": value }, body });
    expect(await verifyWith(provider, request(signature), [SECRET], NOW)).toEqual(ACCEPTED);
    expect(await verifyWith(provider, request(signature, `${BODY}x`), [SECRET], NOW)).toEqual(
      rejects("bad_signature"),
    );
    // A digest of another hash's length is malformed, not compared.
    const wrongLength = sign(BODY, { algorithm: nodeAlgorithm === "sha1" ? "sha256" : "sha1", encoding });
    expect(await verifyWith(provider, request(wrongLength), [SECRET], NOW)).toEqual(
      rejects("malformed_header"),
    );
  });

  it("refuses base64url where base64 is configured when the digest uses - or _", async () => {
    const provider = providerFor({ header: "x-sig", encoding: "base64" });
    let body = BODY;
    let signature = sign(body, { encoding: "base64url" });
    for (let i = 0; !/[-_]/.test(signature) && i < 50; i++) {
      body = `${BODY}${i}`;
      signature = sign(body, { encoding: "base64url" });
    }
    expect(signature).toMatch(/[-_]/);
    expect(await verifyWith(provider, { headers: { "x-sig": signature }, body }, [SECRET], NOW)).toEqual(
      rejects("malformed_header"),
    );
  });
});

describe("hmac timestamps", () => {
  it("parses unix seconds, unix milliseconds and ISO 8601, and nothing else", () => {
    expect(parseTimestamp("1700000000", "unix")).toBe(NOW);
    expect(parseTimestamp("1700000000999", "unix_ms")).toBe(NOW);
    expect(parseTimestamp("2023-11-14T22:13:20Z", "iso8601")).toBe(NOW);
    expect(parseTimestamp("2023-11-14T23:13:20.5+01:00", "iso8601")).toBe(NOW);
    for (const [raw, format] of [
      ["1700000000.5", "unix"],
      ["-1", "unix"],
      ["2023-11-14", "iso8601"],
      ["2023-13-40T99:99:99Z", "iso8601"],
      ["1700000000", "iso8601"],
    ] as const)
      expect(parseTimestamp(raw, format), raw).toBeNull();
  });
});
