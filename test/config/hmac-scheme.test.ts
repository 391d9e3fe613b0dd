/** The `hmac` config block: defaults, and the refusals that keep ids and types under the signature. */
import { describe, expect, it } from "vitest";
import { defineSources } from "../../src/config/define-sources";
import { HmacSchemeInput } from "../../src/config/hmac-scheme";

/** The messages zod gives for `scheme`, each prefixed with its path. */
function refusals(scheme: unknown): string[] {
  const parsed = HmacSchemeInput.safeParse(scheme);
  return parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
}

describe("hmac config", () => {
  it("fills in defaults: SHA-256, hex, no prefix, {body}, no timestamp, 300 s, type unknown", () => {
    expect(HmacSchemeInput.parse({ header: "X-AgentX-Signature" })).toEqual({
      header: "x-agentx-signature",
      algorithm: "SHA-256",
      encoding: "hex",
      prefix: "",
      signedContent: "{body}",
      timestampHeader: null,
      toleranceSeconds: 300,
      type: "unknown",
    });
  });

  it("refuses an id read from a header the signature does not cover, and says why", () => {
    expect(refusals({ header: "x-sig", id: { header: "X-Delivery" } })).toEqual([
      expect.stringMatching(
        /^id: the signature does not cover header x-delivery: add \{id\} to signedContent/,
      ),
    ]);
    expect(refusals({ header: "x-sig", id: { header: "x-delivery" }, signedContent: "{id}.{body}" })).toEqual(
      [],
    );
  });

  it("refuses a type read from a header, which no signature covers", () => {
    expect(refusals({ header: "x-sig", type: { header: "x-event" } })).toEqual([
      expect.stringMatching(/^type: the signature does not cover header x-event/),
    ]);
  });

  it("refuses a timestamp header the signature does not cover, and {timestamp} or {id} with nothing to read", () => {
    const timestampHeader = { name: "x-ts", format: "unix" };
    expect(refusals({ header: "x-sig", timestampHeader })).toEqual([
      expect.stringMatching(/^timestampHeader: the signature does not cover this header/),
    ]);
    expect(refusals({ header: "x-sig", signedContent: "{timestamp}.{body}" })).toEqual([
      expect.stringMatching(/^signedContent: \{timestamp\} needs a timestampHeader/),
    ]);
    expect(refusals({ header: "x-sig", signedContent: "{id}.{body}" })).toEqual([
      expect.stringMatching(/^signedContent: \{id\} needs id: \{ header \}/),
    ]);
  });

  it("refuses templates without {body}, with unknown placeholders, and bad paths, algorithms and formats", () => {
    expect(refusals({ header: "x-sig", signedContent: "static" })).toEqual([
      expect.stringMatching(/\{body\}/),
    ]);
    expect(refusals({ header: "x-sig", signedContent: "{nonce}.{body}" })).toHaveLength(1);
    expect(refusals({ header: "x-sig", id: ["job_id"] })).toEqual([expect.stringMatching(/payload\./)]);
    expect(refusals({ header: "x-sig", algorithm: "MD5" })).toHaveLength(1);
    expect(
      refusals({ header: "x-sig", timestampHeader: { name: "x-ts", format: "rfc2822" } }).length,
    ).toBeGreaterThan(0);
    expect(refusals({ header: "bad header" })).toHaveLength(1);
    expect(refusals({ header: "x-sig", extra: 1 })).toHaveLength(1);
  });

  it("is required by provider hmac and refused for any other provider", () => {
    expect(() => defineSources([{ name: "agentx", provider: "hmac" }])).toThrow(/needs an `hmac` block/);
    expect(() => defineSources([{ name: "gh", provider: "github", hmac: { header: "x-sig" } }])).toThrow(
      /needs an `hmac` block/,
    );
    const agentx = defineSources([{ name: "agentx", provider: "hmac", hmac: { header: "x-sig" } }]);
    expect(agentx.get("agentx")?.secretVar).toBe("AGENTX_WEBHOOK_SECRET");
  });
});
