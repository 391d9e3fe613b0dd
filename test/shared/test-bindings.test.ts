/** The suite is hermetic: its bindings come from wrangler.toml and vitest.config.ts, never from `.dev.vars`. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TEST_SECRETS } from "../support/test-secrets";

describe("test bindings", () => {
  it("hold no secret but the test config's (a developer's .dev.vars is not read)", () => {
    const secretLike = Object.entries(env)
      .filter(([name, value]) => typeof value === "string" && /SECRET|KEY|TOKEN|ALLOWED_IPS/.test(name))
      .map(([name]) => name)
      .sort();
    expect(secretLike).toEqual(Object.keys(TEST_SECRETS).sort());
  });
});
