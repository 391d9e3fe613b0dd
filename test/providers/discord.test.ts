import { verifyKey } from "discord-interactions";
import { beforeAll, describe, expect, it } from "vitest";
import { discord } from "../../src/providers/discord";
import { bytesToBase64, bytesToHex } from "../../src/verify/encoding";
import { handshakeWith, identifyWith, verifyWith } from "../support/verify-with";

// Discord documents the scheme (Ed25519 over `X-Signature-Timestamp + raw body`, hex signature, hex public
// key) but publishes no fixed vector: https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint-validating-security-request-headers
// Key pairs are generated with WebCrypto here; every signature is also checked with the official
// `discord-interactions` SDK (`verifyKey(body, signature, timestamp, publicKeyHex)`), which runs in workerd.
const NOW = 1_700_000_000;
const TIMESTAMP = String(NOW - 2);
const BODY = JSON.stringify({
  id: "1234567890123456789",
  application_id: "987654321098765432",
  type: 2,
  token: "interaction-token",
  version: 1,
  data: { id: "111", name: "ping-agent", type: 1 },
});

type KeyPair = { privateKey: CryptoKey; publicHex: string };
let current: KeyPair;
let previous: KeyPair;

async function keyPair(): Promise<KeyPair> {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const raw = await crypto.subtle.exportKey("raw", pair.publicKey);
  return { privateKey: pair.privateKey, publicHex: bytesToHex(raw as ArrayBuffer) };
}

async function sign(key: KeyPair, timestamp: string, body: string): Promise<string> {
  const data = new TextEncoder().encode(timestamp + body);
  return bytesToHex(await crypto.subtle.sign("Ed25519", key.privateKey, data));
}

const parts = (signature: string, timestamp = TIMESTAMP, body = BODY) => ({
  headers: { "x-signature-ed25519": signature, "x-signature-timestamp": timestamp },
  body,
});

beforeAll(async () => {
  current = await keyPair();
  previous = await keyPair();
});

describe("discord verifier", () => {
  it("accepts an interaction signed as Discord does, as the discord-interactions SDK also does", async () => {
    const signature = await sign(current, TIMESTAMP, BODY);
    expect(await verifyKey(BODY, signature, TIMESTAMP, current.publicHex)).toBe(true);
    expect(await verifyWith(discord, parts(signature), [current.publicHex], NOW)).toEqual({
      ok: true,
      value: true,
    });
  });

  it("rejects a changed body", async () => {
    const signature = await sign(current, TIMESTAMP, BODY);
    const tampered = BODY.replace("ping-agent", "drop-tables");
    expect(await verifyKey(tampered, signature, TIMESTAMP, current.publicHex)).toBe(false);
    expect(
      await verifyWith(discord, parts(signature, TIMESTAMP, tampered), [current.publicHex], NOW),
    ).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects a signature made with another key", async () => {
    const signature = await sign(previous, TIMESTAMP, BODY);
    expect(await verifyWith(discord, parts(signature), [current.publicHex], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects a changed timestamp, since it is signed", async () => {
    const signature = await sign(current, TIMESTAMP, BODY);
    expect(await verifyWith(discord, parts(signature, String(NOW)), [current.publicHex], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects stale and future timestamps (gateway default 300 s)", async () => {
    const signature = await sign(current, TIMESTAMP, BODY);
    expect(await verifyWith(discord, parts(signature), [current.publicHex], NOW + 299)).toMatchObject({
      error: { reason: "stale" },
    });
    expect(await verifyWith(discord, parts(signature), [current.publicHex], NOW - 303)).toMatchObject({
      error: { reason: "future" },
    });
  });

  it("rejects missing signature and timestamp headers", async () => {
    const signature = await sign(current, TIMESTAMP, BODY);
    const keys = [current.publicHex];
    expect(await verifyWith(discord, { headers: {}, body: BODY }, keys, NOW)).toMatchObject({
      error: { reason: "missing_header", header: "x-signature-ed25519" },
    });
    const noTimestamp = { headers: { "x-signature-ed25519": signature }, body: BODY };
    expect(await verifyWith(discord, noTimestamp, keys, NOW)).toMatchObject({
      error: { reason: "missing_header", header: "x-signature-timestamp" },
    });
  });

  it("rejects a base64 signature, a short signature and a non-numeric timestamp as malformed", async () => {
    const signature = await sign(current, TIMESTAMP, BODY);
    const keys = [current.publicHex];
    const asBase64 = bytesToBase64(
      new Uint8Array(signature.match(/../g)!.map((h) => Number.parseInt(h, 16))),
    );
    expect(await verifyWith(discord, parts(asBase64), keys, NOW)).toMatchObject({
      error: { reason: "malformed_header", header: "x-signature-ed25519" },
    });
    expect(await verifyWith(discord, parts(signature.slice(2)), keys, NOW)).toMatchObject({
      error: { reason: "malformed_header", header: "x-signature-ed25519" },
    });
    expect(await verifyWith(discord, parts(signature, "2023-11-14T22:13:18Z"), keys, NOW)).toMatchObject({
      error: { reason: "malformed_header", header: "x-signature-timestamp" },
    });
  });

  it("accepts the previous public key during a rotation", async () => {
    const signature = await sign(previous, TIMESTAMP, BODY);
    const keys = [current.publicHex, previous.publicHex];
    expect((await verifyWith(discord, parts(signature), keys, NOW)).ok).toBe(true);
  });

  it("refuses public keys that are not 32 bytes of hex", () => {
    expect(discord.decodeSecret(current.publicHex)).toHaveLength(32);
    expect(discord.decodeSecret(current.publicHex.slice(2))).toBeNull();
    expect(discord.decodeSecret("not a key")).toBeNull();
    expect(discord.keyKind).toBe("publicKey");
  });
});

describe("discord interactions", () => {
  it("identifies an interaction by its id and type, with the command name", () => {
    expect(identifyWith(discord, { headers: {}, body: BODY })).toMatchObject({
      ok: true,
      value: { id: "1234567890123456789", type: "application_command.ping-agent" },
    });
  });

  it("names components by custom_id and unknown interaction types by number", () => {
    const component = JSON.stringify({ id: "2", type: 3, data: { custom_id: "approve", component_type: 2 } });
    expect(identifyWith(discord, { headers: {}, body: component })).toMatchObject({
      value: { id: "2", type: "message_component.approve" },
    });
    expect(identifyWith(discord, { headers: {}, body: JSON.stringify({ id: "3", type: 9 }) })).toMatchObject({
      value: { id: "3", type: "interaction_9" },
    });
  });

  it("rejects bodies that are not interactions", () => {
    expect(identifyWith(discord, { headers: {}, body: "type=2" })).toMatchObject({ ok: false });
    expect(identifyWith(discord, { headers: {}, body: JSON.stringify({ type: "2" }) })).toMatchObject({
      ok: false,
    });
  });

  it("answers a verified PING with a PONG, and nothing else", async () => {
    const ping = JSON.stringify({ id: "4", application_id: "987654321098765432", type: 1, version: 1 });
    const signature = await sign(current, TIMESTAMP, ping);
    expect((await verifyWith(discord, parts(signature, TIMESTAMP, ping), [current.publicHex], NOW)).ok).toBe(
      true,
    );
    expect(handshakeWith(discord, { headers: {}, body: ping })).toEqual({
      status: 200,
      contentType: "application/json",
      body: '{"type":1}',
    });
    expect(handshakeWith(discord, { headers: {}, body: BODY })).toBeNull();
    expect(handshakeWith(discord, { headers: {}, body: "not json" })).toBeNull();
  });
});
