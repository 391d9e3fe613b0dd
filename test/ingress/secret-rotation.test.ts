/** Secret rotation end to end: `<VAR>_PREVIOUS` in the environment, read by resolve-source, through the HTTP route. */
import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { genericEvent, githubEvent, post, standardEvent, stripeEvent } from "../support/signed-requests";
import { TEST_SECRETS } from "../support/test-secrets";

const NEW = "rotation-new-secret";
const OLD = "rotation-old-secret";

/** Calls the worker with `vars` added to the test environment (a new object, so sources resolve afresh). */
const send = (request: Request, vars: Record<string, string>) =>
  worker.fetch(request, { ...env, ...vars }, createExecutionContext());

afterEach(() => vi.restoreAllMocks());

describe("secret rotation through POST /webhooks/:source", () => {
  it("accepts the current and the _PREVIOUS secret, and nothing else", async () => {
    const rotating = { GITHUB_WEBHOOK_SECRET: NEW, GITHUB_WEBHOOK_SECRET_PREVIOUS: OLD };
    expect((await send(post(await githubEvent(undefined, { secret: NEW })), rotating)).status).toBe(202);
    expect((await send(post(await githubEvent(undefined, { secret: OLD })), rotating)).status).toBe(202);
    expect((await send(post(await githubEvent(undefined, { secret: "other" })), rotating)).status).toBe(401);
  });

  it("refuses the old secret once _PREVIOUS is unset or empty", async () => {
    const oldSigned = async () => post(await githubEvent(undefined, { secret: OLD }));
    expect((await send(await oldSigned(), { GITHUB_WEBHOOK_SECRET: NEW })).status).toBe(401);
    const emptied = { GITHUB_WEBHOOK_SECRET: NEW, GITHUB_WEBHOOK_SECRET_PREVIOUS: "" };
    expect((await send(await oldSigned(), emptied)).status).toBe(401);
  });

  it("rotates timestamped schemes too (Stripe)", async () => {
    const rotating = { STRIPE_WEBHOOK_SECRET: NEW, STRIPE_WEBHOOK_SECRET_PREVIOUS: OLD };
    expect((await send(post(await stripeEvent(undefined, { secret: OLD })), rotating)).status).toBe(202);
    expect((await send(post(await stripeEvent(undefined, { secret: NEW })), rotating)).status).toBe(202);
  });

  it("ignores a _PREVIOUS secret not in the provider's format, logs it, and keeps the current one", async () => {
    const errors: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: unknown) => void errors.push(String(line)));
    const rotating = {
      STANDARD_WEBHOOK_SECRET: TEST_SECRETS.STANDARD_WEBHOOK_SECRET,
      STANDARD_WEBHOOK_SECRET_PREVIOUS: "whsec_!!not base64!!",
    };
    expect((await send(post(standardEvent()), rotating)).status).toBe(202);
    expect(errors.map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({
        reason: "secret_not_in_provider_format",
        variable: "STANDARD_WEBHOOK_SECRET_PREVIOUS",
      }),
    );
  });

  it("uses the _PREVIOUS binding of the test config (GENERIC_WEBHOOK_SECRET_PREVIOUS)", async () => {
    const signed = genericEvent(undefined, { secret: TEST_SECRETS.GENERIC_WEBHOOK_SECRET_PREVIOUS });
    expect((await exports.default.fetch(post(signed))).status).toBe(202);
  });
});
