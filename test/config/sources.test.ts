import { describe, expect, it } from "vitest";
import { defaultKeyVar, defineSources } from "../../src/config/define-sources";
import { sources } from "../../src/config/sources";
import { type ResolvedSource, signedUrlOf } from "../../src/ingress/resolve-source";
import { providerNames } from "../../src/providers";

describe("source configuration", () => {
  it("keeps the core sources' variables and names every other preset after its provider", () => {
    expect(sources.get("github")?.secretVar).toBe("GITHUB_WEBHOOK_SECRET");
    expect(sources.get("slack")?.secretVar).toBe("SLACK_SIGNING_SECRET");
    for (const provider of providerNames.filter((p) => p !== "unsigned")) {
      expect(sources.get(provider)?.provider, provider).toBe(provider);
    }
    expect(sources.has("unsigned")).toBe(false);
  });

  it("derives <NAME>_WEBHOOK_SECRET from a source name", () => {
    expect(defaultKeyVar("github-ops", "github")).toBe("GITHUB_OPS_WEBHOOK_SECRET");
  });

  it("refuses unknown providers, duplicate names, bad IP entries and bad limits", () => {
    expect(() => defineSources([{ name: "x", provider: "nope" as "github" }])).toThrow();
    expect(() =>
      defineSources([
        { name: "a", provider: "github" },
        { name: "a", provider: "stripe" },
      ]),
    ).toThrow(/unique/);
    expect(() => defineSources([{ name: "a", provider: "github", allowedIps: ["1.2.3.4/40"] }])).toThrow();
    expect(() => defineSources([{ name: "a", provider: "github", maxBodyBytes: 10 ** 9 }])).toThrow();
    expect(() => defineSources([{ name: "Bad Name", provider: "github" }])).toThrow();
  });

  it("accepts unsigned requests only with the loudly named option, and never sets it for others", () => {
    expect(() => defineSources([{ name: "open", provider: "unsigned" }])).toThrow(
      /dangerouslyAcceptUnsignedRequests/,
    );
    expect(() =>
      defineSources([{ name: "gh", provider: "github", dangerouslyAcceptUnsignedRequests: true }]),
    ).toThrow();
    const open = defineSources([
      { name: "open", provider: "unsigned", dangerouslyAcceptUnsignedRequests: true },
    ]);
    expect(open.get("open")?.dangerouslyAcceptUnsignedRequests).toBe(true);
  });

  it("computes the signed URL from publicUrl, then PUBLIC_BASE_URL, then the request", () => {
    const base = { allowedRanges: null } as const;
    const source = (extra: Partial<ResolvedSource>) => ({ ...base, ...extra }) as ResolvedSource;
    const url = "http://127.0.0.1:8787/webhooks/twilio?x=1";
    expect(signedUrlOf(source({}), url)).toBe(url);
    expect(signedUrlOf(source({ publicBaseUrl: "https://hooks.example.com/" }), url)).toBe(
      "https://hooks.example.com/webhooks/twilio?x=1",
    );
    expect(signedUrlOf(source({ publicUrl: "https://a.example/x", publicBaseUrl: "https://b" }), url)).toBe(
      "https://a.example/x?x=1",
    );
    expect(signedUrlOf(source({ publicUrl: "https://a.example/x?sid=1" }), url)).toBe(
      "https://a.example/x?sid=1",
    );
  });
});
