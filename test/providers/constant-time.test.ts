/** Every shared-secret comparison uses one technique: `crypto.subtle.timingSafeEqual`, never `verify` or `===`. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { github } from "../../src/providers/github";
import { gitlab } from "../../src/providers/gitlab";
import { postmark } from "../../src/providers/postmark";
import type { Provider } from "../../src/providers/provider";
import { stripe } from "../../src/providers/stripe";
import { type RequestParts, verifyWith } from "../support/verify-with";

const NOW = 1_700_000_000;
const cases: [string, Provider, RequestParts, string][] = [
  ["gitlab", gitlab, { headers: { "x-gitlab-token": "guess" }, body: "{}" }, "token"],
  [
    "postmark",
    postmark,
    { headers: { authorization: `Basic ${btoa("user:guess")}` }, body: "{}" },
    "user:pw",
  ],
  ["github", github, { headers: { "x-hub-signature-256": `sha256=${"0".repeat(64)}` }, body: "{}" }, "s"],
  ["stripe", stripe, { headers: { "stripe-signature": `t=${NOW},v1=${"0".repeat(64)}` }, body: "{}" }, "s"],
];

describe("constant-time comparison", () => {
  afterEach(() => vi.restoreAllMocks());

  it.each(cases)("%s compares with timingSafeEqual", async (_name, provider, parts, secret) => {
    const safeEqual = vi.spyOn(crypto.subtle, "timingSafeEqual");
    const verify = vi.spyOn(crypto.subtle, "verify");
    expect((await verifyWith(provider, parts, [secret], NOW)).ok).toBe(false);
    expect(safeEqual).toHaveBeenCalled();
    expect(verify).not.toHaveBeenCalled();
  });
});
