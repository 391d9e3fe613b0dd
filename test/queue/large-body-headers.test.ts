/** An event whose body is too large to travel with `beginDeliveries` still reaches its handler with its headers. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ledgerFor } from "../../src/claim/shard-for-event";
import { HandlerRegistry } from "../../src/handlers/handler-registry";
import { consume } from "../support/pipeline";

describe("a body over the inline limit (256 KiB)", () => {
  it("is read on its own, and the handler sees the request's headers and body", async () => {
    // A shard of its own whose queue sends fail: only this test's consumer runs the event.
    const shard = 30_000 + Math.floor(Math.random() * 1000);
    const ledger = ledgerFor(env, shard);
    await ledger.injectFaults({ failSends: 1000 });
    const id = `large-${crypto.randomUUID()}`;
    const body = new TextEncoder().encode(JSON.stringify({ id, type: "x", pad: "p".repeat(300 * 1024) }));
    const headers = { "content-type": "application/json", "x-trace": "abc" };
    expect(
      await ledger.accept({ source: "generic", id, type: "x", receivedAt: Date.now(), headers, body, shard }),
    ).toBe("accepted");
    const seen: { headers: Record<string, string>; size: number }[] = [];
    const registry = new HandlerRegistry().on(
      "generic",
      "*",
      async (event) => {
        seen.push({ headers: event.headers, size: JSON.stringify(event.payload).length });
      },
      { name: `large_${crypto.randomUUID().slice(0, 8)}` },
    );
    await consume([{ v: 1, source: "generic", id, type: "x", shard }], registry);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers).toMatchObject({ "x-trace": "abc" });
    expect(seen[0]?.size).toBe(body.byteLength);
    await ledger.injectFaults({});
  });
});
