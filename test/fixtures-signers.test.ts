/// <reference types="vite/client" />
/**
 * Every sample `npm run send` can post (test/fixtures/<source>/*.json), rendered and signed by the CLI's
 * own code, is accepted by the gateway as the event type its file is named after, gets a fresh event id
 * each time it is rendered, and is a duplicate when sent again as is. Also checks that .dev.vars.example
 * configures every source with a key in its provider's format, and that its dev key pairs match.
 */
import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import devVarsExample from "../.dev.vars.example?raw";
import { renderFixture, type SampleFixture } from "../scripts/sample-signers/render-fixture.ts";
import { type SampleSigner, signers } from "../scripts/sign-sample.ts";
import { providerOf } from "../src/config/define-sources";
import { sources } from "../src/config/sources";
import worker from "../src/index";
import { providerNames, providers } from "../src/providers";
import { ledgerOf } from "./support/pipeline";
import { BASE } from "./support/signed-requests";
import { TEST_SECRETS } from "./support/test-secrets";
import { verifyWith } from "./support/verify-with";

/** Sample directories of the .dev.vars.example HOOKGATE_SOURCES sources rather than of presets. */
const CONFIG_SIGNED_SAMPLES = ["agentx"];
const fixtures = import.meta.glob<SampleFixture>("./fixtures/*/*.json", { eager: true, import: "default" });
const samples = Object.entries(fixtures)
  .map(([path, fixture]) => {
    const [, source = "", sample = ""] = /^\.\/fixtures\/([^/]+)\/(.+)\.json$/.exec(path) ?? [];
    return { source, sample, fixture };
  })
  // Sources configured in HOOKGATE_SOURCES (agentx) sign from that config: test/ingress/config-signed-samples.test.ts.
  .filter(({ source }) => !CONFIG_SIGNED_SAMPLES.includes(source));

const whsec = (text: string) => `whsec_${btoa(text)}`;
/** Test-only secrets for the presets that vitest.config.ts does not bind (the core six use TEST_SECRETS). */
const PRESET_TEST_SECRETS: Record<string, string> = {
  TWITCH_WEBHOOK_SECRET: "twitch-test-secret",
  ZOOM_WEBHOOK_SECRET: "zoom-test-secret-token",
  TWILIO_WEBHOOK_SECRET: "12345",
  CLERK_WEBHOOK_SECRET: whsec("clerk-test-secret"),
  RESEND_WEBHOOK_SECRET: whsec("resend-test-secret"),
  SVIX_WEBHOOK_SECRET: whsec("svix-test-secret"),
  REPLICATE_WEBHOOK_SECRET: whsec("replicate-test-secret"),
  OPENAI_WEBHOOK_SECRET: whsec("openai-test-secret"),
  POLAR_WEBHOOK_SECRET: whsec("polar-test-secret"),
  LEMONSQUEEZY_WEBHOOK_SECRET: "lemonsqueezy-test-secret",
  POSTMARK_WEBHOOK_SECRET: "test-user:test password",
  JIRA_WEBHOOK_SECRET: "jira-test-secret",
  WORKOS_WEBHOOK_SECRET: "workos-test-secret",
  MUX_WEBHOOK_SECRET: "mux-test-secret",
  MAILGUN_WEBHOOK_SECRET: "mailgun-test-signing-key",
  HUBSPOT_WEBHOOK_SECRET: "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy",
  SQUARE_WEBHOOK_SECRET: "square-test-signature-key",
  PADDLE_WEBHOOK_SECRET: "pdl_ntfset_test_paddle_secret",
  LINEAR_WEBHOOK_SECRET: "lin_wh_test_linear_secret",
  INTERCOM_WEBHOOK_SECRET: "intercom-test-secret",
  PAGERDUTY_WEBHOOK_SECRET: "pagerduty-test-secret",
  TYPEFORM_WEBHOOK_SECRET: "typeform-test-secret",
  GITLAB_WEBHOOK_SECRET: "gitlab-test-token",
  BITBUCKET_WEBHOOK_SECRET: "bitbucket-test-secret",
  VERCEL_WEBHOOK_SECRET: "vercel-test-secret",
  CALENDLY_WEBHOOK_SECRET: "calendly-test-signing-key",
  SENTRY_WEBHOOK_SECRET: "sentry-test-client-secret",
  NOTION_WEBHOOK_SECRET: "secret_test_notion_token",
  ZENDESK_WEBHOOK_SECRET: "zendesk-test-signing-secret",
  ELEVENLABS_WEBHOOK_SECRET: "wsec_elevenlabs_test_secret",
  RETELL_WEBHOOK_SECRET: "key_retell_test_api_key",
  FIRECRAWL_WEBHOOK_SECRET: "firecrawl-test-secret",
  RECALL_WEBHOOK_SECRET: whsec("recall-test-secret"),
  BROWSERBASE_WEBHOOK_SECRET: whsec("browserbase-test-secret"),
  LIVEKIT_WEBHOOK_SECRET: "livekit-test-api-secret",
};

const base64 = (bytes: ArrayBuffer | Uint8Array) => Buffer.from(new Uint8Array(bytes)).toString("base64");

/** A fresh key pair: the private key as the signers read it, the public key in the provider's format. */
async function keyPair(algorithm: "Ed25519" | "P-256", publicFormat: (raw: Uint8Array) => string) {
  const params = algorithm === "Ed25519" ? { name: "Ed25519" } : { name: "ECDSA", namedCurve: "P-256" };
  const pair = (await crypto.subtle.generateKey(params, true, ["sign", "verify"])) as CryptoKeyPair;
  const exported = await crypto.subtle.exportKey(algorithm === "Ed25519" ? "raw" : "spki", pair.publicKey);
  return {
    privateKey: base64((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer),
    publicKey: publicFormat(new Uint8Array(exported as ArrayBuffer)),
  };
}

/** The key each signer signs with (secret or private key), and the env the gateway verifies with. */
const signingKeys: Record<string, string> = {};
let testEnv: Env;

beforeAll(async () => {
  const pairs = {
    discord: await keyPair("Ed25519", (raw) => Buffer.from(raw).toString("hex")),
    sendgrid: await keyPair("P-256", base64),
    "standard-ed25519": await keyPair("Ed25519", (raw) => `whpk_${base64(raw)}`),
    fal: await keyPair("Ed25519", (raw) => Buffer.from(raw).toString("base64url")),
  };
  const bindings: Record<string, string> = { ...PRESET_TEST_SECRETS };
  for (const [source, { privateKey, publicKey }] of Object.entries(pairs)) {
    const signer = signers[source];
    if (!signer?.signingKeyVar) throw new Error(`${source} should sign with a private key`);
    bindings[signer.secretVar] = publicKey;
    signingKeys[source] = privateKey;
  }
  for (const [source, signer] of Object.entries(signers)) {
    const secret: string | undefined =
      Reflect.get(TEST_SECRETS, signer.secretVar) ?? PRESET_TEST_SECRETS[signer.secretVar];
    if (!signer.signingKeyVar && secret) signingKeys[source] = secret;
  }
  testEnv = { ...env, ...bindings };
});

async function signedRequest(signer: SampleSigner, fixture: SampleFixture, key: string, url: string) {
  const rendered = renderFixture(fixture);
  const body = signer.signBody ? signer.signBody(rendered.body, key) : rendered.body;
  const headers = { ...rendered.headers, ...(await signer.sign(body, key, url)) };
  return () => new Request(url, { method: "POST", headers, body });
}

async function send(request: Request) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, testEnv, ctx);
  await waitOnExecutionContext(ctx);
  const text = await response.text();
  return { status: response.status, text, id: response.ok ? String(JSON.parse(text).id) : "" };
}

function typeInLedger(source: string, id: string) {
  const { ledger } = ledgerOf(source, id, testEnv);
  return runInDurableObject(ledger, (_instance, state) =>
    state.storage.sql
      .exec<{ type: string }>("SELECT type FROM claims WHERE source = ? AND event_id = ?", source, id)
      .one(),
  );
}

describe("the samples of npm run send", () => {
  it("cover every signed source, with a signer reading the source's own variable", () => {
    const signed = providerNames.filter((name) => name !== "unsigned");
    expect(Object.keys(signers).sort()).toEqual([...signed].sort());
    for (const name of signed) {
      expect(signers[name]?.secretVar, name).toBe(sources.get(name)?.secretVar);
      expect(
        samples.some((sample) => sample.source === name),
        `test/fixtures/${name}/`,
      ).toBe(true);
    }
  });

  it.each(samples)(
    "$source/$sample is accepted as that type, fresh each time, duplicate when resent",
    async ({ source, sample, fixture }) => {
      const signer = signers[source];
      const key = signingKeys[source];
      if (!signer || !key) throw new Error(`no signer or test key for ${source}`);
      const url = `${BASE}/webhooks/${source}`;
      const first = await signedRequest(signer, fixture, key, url);

      const accepted = await send(first());
      expect(accepted.status, accepted.text).toBe(202);
      expect((await typeInLedger(source, accepted.id)).type).toBe(fixture.type ?? sample);

      const again = await send(first());
      expect({ status: again.status, id: again.id }).toEqual({ status: 200, id: accepted.id });

      const next = await send((await signedRequest(signer, fixture, key, url))());
      expect(next.status, next.text).toBe(202);
      expect(next.id).not.toBe(accepted.id);
    },
  );
});

describe(".dev.vars.example", () => {
  const devVars = new Map(
    [...devVarsExample.matchAll(/^([A-Z0-9_]+)="(.*)"$/gm)].map(([, name = "", value = ""]) => [name, value]),
  );

  it("enables every signed source with a key in its provider's format", () => {
    for (const [name, signer] of Object.entries(signers)) {
      const config = sources.get(name);
      const provider = config ? providerOf(config) : providers.unsigned;
      const value = devVars.get(signer.secretVar);
      expect(value, signer.secretVar).toBeTruthy();
      expect(provider.decodeSecret(value ?? ""), signer.secretVar).not.toBeNull();
    }
  });

  it("holds dev private keys that match the public keys the gateway verifies with", async () => {
    for (const [name, signer] of Object.entries(signers)) {
      if (!signer.signingKeyVar) continue;
      const sample = samples.find((candidate) => candidate.source === name);
      if (!sample) throw new Error(`no sample for ${name}`);
      const privateKey = devVars.get(signer.signingKeyVar) ?? "";
      const { body, headers } = renderFixture(sample.fixture);
      const parts = { body, headers: { ...headers, ...(await signer.sign(body, privateKey)) } };
      const publicKey = devVars.get(signer.secretVar) ?? "";
      const config = sources.get(name);
      const provider = config ? providerOf(config) : providers.unsigned;
      expect(await verifyWith(provider, parts, [publicKey], Math.floor(Date.now() / 1000)), name).toEqual({
        ok: true,
        value: true,
      });
    }
  });
});
