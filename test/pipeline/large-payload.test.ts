import { describe, expect, it } from "vitest";
import { HandlerRegistry } from "../../src/handlers/handler-registry";
import { bytesToHex } from "../../src/verify/encoding";
import { waitForDeliveries } from "../support/agent-sink-client";
import { accept, consume, messageFor } from "../support/pipeline";
import { githubEvent } from "../support/signed-requests";

const sha256 = async (bytes: Uint8Array | string) =>
  bytesToHex(
    await crypto.subtle.digest(
      "SHA-256",
      typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes,
    ),
  );

/** A JSON body of exactly 1 MiB, with multi-byte characters so any re-encoding would show. */
function oneMebibytePayload() {
  const payload = { action: "opened", nonce: crypto.randomUUID(), text: "", tail: "é✓" };
  payload.text = "x".repeat(1024 * 1024 - new TextEncoder().encode(JSON.stringify(payload)).length);
  return payload;
}

describe("a 1 MiB payload", () => {
  it("reaches a TypeScript handler byte for byte", async () => {
    const fixture = await githubEvent(oneMebibytePayload());
    const id = await accept(fixture);
    let received: Uint8Array | undefined;
    const registry = new HandlerRegistry().on("github", "*", async function capture(event) {
      received = event.rawBody;
    });
    await consume([messageFor("github", id, "issues.opened")], registry);
    expect(received?.byteLength).toBe(1024 * 1024);
    expect(await sha256(received!)).toBe(await sha256(String(fixture.body)));
  });

  it("reaches the agent endpoint intact through the real queue", async () => {
    const payload = oneMebibytePayload();
    const id = await accept(await githubEvent(payload));
    const [delivery] = await waitForDeliveries(id, { timeout: 20_000 });
    expect(JSON.parse(delivery!.body).payload).toEqual(payload);
  });
});
