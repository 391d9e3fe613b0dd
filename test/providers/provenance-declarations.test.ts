import { describe, expect, it } from "vitest";
import { HmacSchemeInput } from "../../src/config/hmac-scheme";
import { providers } from "../../src/providers";
import { hmacProvider } from "../../src/providers/hmac";

const PARTS = ["id", "timestamp", "body", "method", "url", "form", "token", "user_id"];

describe("what each preset's signature covers", () => {
  it("is declared by every preset: a scheme id and the signed parts, each once", () => {
    for (const [name, provider] of Object.entries(providers)) {
      expect(provider.scheme, name).toMatch(/^[a-z0-9-]+$/);
      expect(new Set(provider.signed).size, name).toBe(provider.signed.length);
      for (const part of provider.signed) expect(PARTS, `${name}: ${part}`).toContain(part);
    }
  });

  it("names exactly what the well-known schemes sign", () => {
    expect(providers.github.signed).toEqual(["body"]);
    expect(providers.stripe.signed).toEqual(["timestamp", "body"]);
    expect(providers.slack.signed).toEqual(["timestamp", "body"]);
    expect(providers.standard.signed).toEqual(["id", "timestamp", "body"]);
    expect(providers["standard-ed25519"].scheme).toBe("standard-webhooks-v1a");
    expect(providers.twilio.signed).toEqual(["url", "form"]);
    expect(providers.square.signed).toEqual(["url", "body"]);
    // Mailgun signs a timestamp and a token, not the event data.
    expect(providers.mailgun.signed).toEqual(["timestamp", "token"]);
    expect(providers.gitlab.signed).toEqual([]);
    expect(providers.unsigned.scheme).toBe("unsigned");
  });

  it("reads a custom hmac source's parts from its signed-content template", () => {
    const scheme = HmacSchemeInput.parse({
      header: "x-sig",
      signedContent: "{timestamp}.{body}",
      timestampHeader: { name: "x-ts", format: "unix" },
    });
    const provider = hmacProvider(scheme);
    expect(provider.signed).toEqual(["timestamp", "body"]);
  });
});
