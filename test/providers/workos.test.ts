import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { workos } from "../../src/providers/workos";
import { identifyWith, verifyWith } from "../support/verify-with";

// WorkOS publishes no fixed vector; deliveries follow the documented algorithm and the SDK's
// `computeSignature` (workos-node `SignatureProvider`): hex HMAC-SHA256 of `<t>.<raw body>` with `t` in
// milliseconds, header `t=<t>, v1=<hex>` (https://workos.com/docs/events/data-syncing/webhooks), via node:crypto.
const SECRET = "wh_sec_workos_test";
const PREVIOUS = "wh_sec_workos_previous";
const NOW = 1_700_000_000;
const BODY = JSON.stringify({
  id: "event_01HGCZ3E3XG5Y0F8K9Q3J6M2WA",
  event: "dsync.user.created",
  data: { id: "directory_user_01FAEAJCR3ZBZ30D8BD1924TVG", object: "directory_user" },
  created_at: "2023-11-14T22:13:20.000Z",
});

const sign = (body: string, secret = SECRET, ms = NOW * 1000 + 272) =>
  `t=${ms}, v1=${createHmac("sha256", secret).update(`${ms}.${body}`).digest("hex")}`;
const signed = (body = BODY, secret = SECRET, ms = NOW * 1000 + 272) => ({
  headers: { "workos-signature": sign(body, secret, ms) },
  body,
});

describe("workos verifier", () => {
  it("accepts a delivery signed as the SDK computes it", async () => {
    expect(await verifyWith(workos, signed(), [SECRET], NOW)).toEqual({ ok: true, value: true });
  });

  it("rejects a changed body and another secret", async () => {
    const parts = { ...signed(), body: BODY.replace("created", "deleted") };
    expect(await verifyWith(workos, parts, [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
    expect(await verifyWith(workos, signed(BODY, PREVIOUS), [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects a millisecond timestamp more than 180 seconds old or ahead", async () => {
    expect(await verifyWith(workos, signed(BODY, SECRET, (NOW - 181) * 1000), [SECRET], NOW)).toMatchObject({
      error: { reason: "stale", ts: NOW - 181, now: NOW },
    });
    expect(await verifyWith(workos, signed(BODY, SECRET, (NOW + 181) * 1000), [SECRET], NOW)).toMatchObject({
      error: { reason: "future" },
    });
    expect((await verifyWith(workos, signed(BODY, SECRET, (NOW - 180) * 1000), [SECRET], NOW)).ok).toBe(true);
  });

  it("signs over the millisecond string as sent, not over seconds", async () => {
    const ms = NOW * 1000;
    const overSeconds = createHmac("sha256", SECRET).update(`${NOW}.${BODY}`).digest("hex");
    const header = `t=${ms}, v1=${overSeconds}`;
    expect(
      await verifyWith(workos, { headers: { "workos-signature": header }, body: BODY }, [SECRET], NOW),
    ).toMatchObject({ error: { reason: "bad_signature" } });
  });

  it("reports a missing header and headers without t or a hex v1", async () => {
    expect(await verifyWith(workos, { headers: {}, body: BODY }, [SECRET], NOW)).toMatchObject({
      error: { reason: "missing_header", header: "workos-signature" },
    });
    const hex = createHmac("sha256", SECRET).update(`${NOW}.${BODY}`).digest("hex");
    const base64 = Buffer.from(hex, "hex").toString("base64");
    for (const header of [
      "",
      `t=${NOW}000, v1=`,
      `t=${NOW}000, v1=99999`,
      `v1=${hex}`,
      `t=${NOW}000, v1=${base64}`,
      `t=-1, v1=${hex}`,
    ]) {
      expect(
        await verifyWith(workos, { headers: { "workos-signature": header }, body: BODY }, [SECRET], NOW),
      ).toMatchObject({ error: { reason: "malformed_header", header: "workos-signature" } });
    }
  });

  it("accepts the previous secret during a rotation", async () => {
    expect((await verifyWith(workos, signed(BODY, PREVIOUS), [SECRET, PREVIOUS], NOW)).ok).toBe(true);
  });

  it("identifies events by body id and event, and refuses bodies without them", () => {
    expect(identifyWith(workos, signed())).toMatchObject({
      ok: true,
      value: { id: "event_01HGCZ3E3XG5Y0F8K9Q3J6M2WA", type: "dsync.user.created" },
    });
    expect(identifyWith(workos, { headers: {}, body: JSON.stringify({ id: "x", type: "y" }) })).toMatchObject(
      {
        error: { reason: "invalid_body" },
      },
    );
  });
});
