/**
 * `npm run send -- agentx`: the sample of an `hmac` source from .dev.vars.example's HOOKGATE_SOURCES,
 * rendered and signed from that config by the CLI's own code, is accepted by the gateway configured the
 * same way, as the event type its file is named after, and is a duplicate when sent again.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import devVarsExample from "../../.dev.vars.example?raw";
import { hmacConfigSigner } from "../../scripts/sample-signers/hmac-config.ts";
import { renderFixture, type SampleFixture } from "../../scripts/sample-signers/render-fixture.ts";
import worker from "../../src/index";
import agentxSample from "../fixtures/agentx/job.progress.json";
import { BASE } from "../support/signed-requests";

/** The single-quoted (JSON) and double-quoted values of .dev.vars.example. */
const devVars = new Map(
  [...devVarsExample.matchAll(/^([A-Z0-9_]+)=(?:"(.*)"|'(.*)')$/gm)].map(([, name = "", double, single]) => [
    name,
    double ?? single ?? "",
  ]),
);

describe("npm run send -- agentx", () => {
  it("signs the sample from HOOKGATE_SOURCES, and the gateway accepts it as job.progress", async () => {
    const hookgateSources = devVars.get("HOOKGATE_SOURCES");
    const signer = hmacConfigSigner(hookgateSources, "agentx");
    if (!signer || !hookgateSources) throw new Error("no agentx hmac source in .dev.vars.example");
    const secret = devVars.get(signer.secretVar) ?? "";
    expect(secret).not.toBe("");
    const testEnv = { ...env, HOOKGATE_SOURCES: hookgateSources, [signer.secretVar]: secret };

    const rendered = renderFixture(agentxSample as SampleFixture);
    const headers = { ...rendered.headers, ...(await signer.sign(rendered.body, secret)) };
    const send = async () => {
      const ctx = createExecutionContext();
      const request = new Request(`${BASE}/webhooks/agentx`, {
        method: "POST",
        headers,
        body: rendered.body,
      });
      const response = await worker.fetch(request, testEnv, ctx);
      await waitOnExecutionContext(ctx);
      return { status: response.status, body: await response.json<{ id: string; status: string }>() };
    };
    const first = await send();
    expect(first.status).toBe(202);
    expect(first.body.id).toMatch(/^job_[0-9a-f]{32}:running$/);
    expect(await send()).toEqual({ status: 200, body: { id: first.body.id, status: "duplicate" } });
  });

  it("finds no signer for a name that is not an hmac source", () => {
    expect(hmacConfigSigner(devVars.get("HOOKGATE_SOURCES"), "github")).toBeUndefined();
    expect(hmacConfigSigner(undefined, "agentx")).toBeUndefined();
  });
});
