import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { handlers } from "../../src/handlers/agent-handlers";
import { HandlerRegistry } from "../../src/handlers/handler-registry";

const names = (registry: HandlerRegistry, source: string, type: string) =>
  registry.match(source, type, env).map((route) => route.name);

describe("handler registry", () => {
  const registry = new HandlerRegistry()
    .on("github", "issues.opened", async function onOpened() {})
    .on("github", "issues.*", async function onAnyIssue() {})
    .on("*", "*", async function everything() {})
    .on("stripe", "invoice.*.failed", async function onFailedInvoice() {});

  it("matches exact types, wildcards and any source", () => {
    expect(names(registry, "github", "issues.opened")).toEqual(["onOpened", "onAnyIssue", "everything"]);
    expect(names(registry, "github", "issues.closed")).toEqual(["onAnyIssue", "everything"]);
    expect(names(registry, "github", "issuesXclosed")).toEqual(["everything"]);
    expect(names(registry, "stripe", "invoice.payment.failed")).toEqual(["everything", "onFailedInvoice"]);
    expect(names(registry, "slack", "issues.opened")).toEqual(["everything"]);
  });

  it("requires a stable name for each handler", () => {
    expect(() => new HandlerRegistry().on("*", "*", async () => {})).toThrow(/needs a name/);
    expect(() =>
      new HandlerRegistry().on("*", "a", async function same() {}).on("*", "b", async function same() {}),
    ).toThrow(/two different handlers/);
  });

  it("enables the built-in forwarder only when AGENT_ENDPOINT_URL is set", () => {
    expect(handlers.match("github", "push", env).map((r) => r.name)).toEqual(["forward"]);
    const withoutAgent = { ...env, AGENT_ENDPOINT_URL: "" };
    expect(handlers.match("github", "push", withoutAgent)).toEqual([]);
  });
});
