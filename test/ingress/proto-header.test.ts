/**
 * A request header named `__proto__` is a header like any other: it reaches the stored request, what a
 * handler receives and the admin event detail, where assigning it to a plain object would set the object's
 * prototype instead and drop it.
 */
import { evictDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { WebhookEnvelope } from "../../src/handlers/envelope";
import { HandlerRegistry } from "../../src/handlers/handler-registry";
import { admin } from "../support/admin-client";
import { consume, ledgerOf, messageFor } from "../support/pipeline";
import { genericEvent, post } from "../support/signed-requests";

const ownHeader = (headers: Readonly<Record<string, string>> | undefined) =>
  headers !== undefined && Object.hasOwn(headers, "__proto__")
    ? Reflect.get(headers, "__proto__")
    : undefined;

describe("a header named __proto__", () => {
  it("is stored, handed to handlers and shown by the admin API; credentials are still dropped", async () => {
    const id = `proto-${crypto.randomUUID()}`;
    const fixture = genericEvent(
      { id, type: "thing.happened" },
      { headers: { authorization: "Bearer secret", "x-kept": "yes" } },
    );
    // Not in the literal above, where `__proto__:` names the object's prototype rather than a field.
    const request = post(fixture);
    request.headers.set("__proto__", "x");
    const response = await exports.default.fetch(request);
    expect(response.status).toBe(202);

    const { ledger } = ledgerOf("generic", id);
    await evictDurableObject(ledger);
    const stored = await ledger.readStored({ source: "generic", id });
    expect(ownHeader(stored?.headers), "stored").toBe("x");
    expect(stored?.headers["x-kept"]).toBe("yes");
    expect(stored?.headers).not.toHaveProperty("authorization");

    let seen: WebhookEnvelope | undefined;
    const registry = new HandlerRegistry().on(
      "*",
      "*",
      (event) => {
        seen = event;
      },
      { name: `proto_${crypto.randomUUID().slice(0, 8)}` },
    );
    const { result } = await consume([messageFor("generic", id, "thing.happened")], registry, env);
    expect(result.explicitAcks).toHaveLength(1);
    expect(ownHeader(seen?.headers), "handler").toBe("x");

    const detail = await admin(`/events/generic/${encodeURIComponent(id)}`);
    expect(detail.status).toBe(200);
    const body: { headers: Record<string, string> } = JSON.parse(await detail.text());
    expect(ownHeader(body.headers), "admin").toBe("x");
  });
});
