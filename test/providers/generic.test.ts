import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generic } from "../../src/providers/generic";
import { identifyWith, verifyWith } from "../support/verify-with";

const SECRET = "a secret with spaces and ünïcode";
const BODY = JSON.stringify({ id: "evt_9", type: "thing.happened" });
const NOW = 1_700_000_000;
const hex = (body: string, secret = SECRET) => createHmac("sha256", secret).update(body).digest("hex");
const parts = (signature: string | null, body = BODY, headers: Record<string, string> = {}) => ({
  headers: signature === null ? headers : { "x-webhook-signature": signature, ...headers },
  body,
});

describe("generic verifier", () => {
  it("accepts bare hex and sha256=hex", async () => {
    expect((await verifyWith(generic, parts(hex(BODY)), [SECRET], NOW)).ok).toBe(true);
    expect((await verifyWith(generic, parts(`sha256=${hex(BODY)}`), [SECRET], NOW)).ok).toBe(true);
  });

  it("rejects a changed body, another secret, a missing header and base64", async () => {
    expect((await verifyWith(generic, parts(hex(BODY), `${BODY}\n`), [SECRET], NOW)).ok).toBe(false);
    expect((await verifyWith(generic, parts(hex(BODY, "other")), [SECRET], NOW)).ok).toBe(false);
    expect(await verifyWith(generic, parts(null), [SECRET], NOW)).toMatchObject({
      error: { reason: "missing_header" },
    });
    const b64 = createHmac("sha256", SECRET).update(BODY).digest("base64");
    expect(await verifyWith(generic, parts(b64), [SECRET], NOW)).toMatchObject({
      error: { reason: "malformed_header" },
    });
  });

  it("accepts the previous secret during a rotation", async () => {
    expect((await verifyWith(generic, parts(hex(BODY)), ["new", SECRET], NOW)).ok).toBe(true);
  });

  it("takes the id from body id or event_id, else leaves it to the body digest; never from a header", () => {
    expect(identifyWith(generic, parts(null, BODY, { "x-webhook-id": "hdr-1" }))).toMatchObject({
      value: { id: "evt_9" },
    });
    const noId = JSON.stringify({ type: "t" });
    const digestOnly = identifyWith(generic, parts(null, noId, { "x-webhook-id": "hdr-1" }));
    expect(digestOnly.ok && digestOnly.value.id).toBeUndefined();
    expect(identifyWith(generic, parts(null, BODY))).toMatchObject({
      value: { id: "evt_9", type: "thing.happened" },
    });
    expect(
      identifyWith(generic, parts(null, JSON.stringify({ event_id: "e2", event_type: "t" }))),
    ).toMatchObject({
      value: { id: "e2", type: "t" },
    });
    const plain = identifyWith(generic, parts(null, "plain text"));
    expect(plain).toMatchObject({ ok: true, value: { type: "unknown", payload: "plain text" } });
    expect(plain.ok && plain.value.id).toBeUndefined();
  });
});
