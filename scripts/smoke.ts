/**
 * `npm run smoke -- https://<worker> [--source generic] [--timeout 60]`
 * The check after a deploy: sends one signed sample event to a running gateway and waits until the admin
 * API reports it delivered. Reads the source's secret and `ADMIN_TOKEN` from the environment (never from
 * the command line, so they stay out of shell history), for example:
 *
 *   GENERIC_WEBHOOK_SECRET=… ADMIN_TOKEN=… npm run smoke -- https://hookgate.example.workers.dev
 *
 * Exit codes: 0 delivered; 1 the event was refused, dead-lettered, or not delivered in time; 2 usage.
 */
import { readdirSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { z } from "zod";
import { renderFixture, type SampleFixture } from "./sample-signers/render-fixture.ts";
import { signers } from "./sign-sample.ts";

const POLL_INTERVAL_MS = 1000;
/** Statuses after which waiting longer cannot turn the event into a delivered one. */
const FINAL_STATUSES = new Set(["delivered", "dead", "no_handler", "filtered", "suppressed"]);

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    source: { type: "string", default: "generic" },
    timeout: { type: "string", default: "60" },
  },
});

function fail(message: string, code = 1): never {
  console.error(`smoke: ${message}`);
  process.exit(code);
}

const [gateway] = positionals;
if (!gateway || !/^https?:\/\//.test(gateway))
  fail("usage: npm run smoke -- https://<worker> [--source generic] [--timeout 60]", 2);
const baseUrl = gateway.replace(/\/+$/, "");
const source = values.source;
const signer = signers[source] ?? fail(`no sample signer for source "${source}"`, 2);
const keyVar = signer.signingKeyVar ?? signer.secretVar;
const key = process.env[keyVar] || fail(`set ${keyVar} in the environment (the secret the gateway uses)`, 2);
const adminToken = process.env.ADMIN_TOKEN || fail("set ADMIN_TOKEN in the environment", 2);
const timeoutMs = Math.min(600, Math.max(5, Number(values.timeout) || 60)) * 1000;

async function request(path: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(`${baseUrl}${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    fail(`cannot reach ${baseUrl}${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const health = await request("/healthz");
if (!health.ok) fail(`/healthz answered ${health.status}: ${await health.text()}`);
console.log(`✓ /healthz ${health.status}`);

const fixtureDir = new URL(`../test/fixtures/${source}/`, import.meta.url);
const sample = readdirSync(fixtureDir)
  .filter((file) => file.endsWith(".json"))
  .sort()[0];
if (!sample) fail(`no sample in test/fixtures/${source}/`, 2);
const fixture: SampleFixture = JSON.parse(readFileSync(new URL(sample, fixtureDir), "utf8"));
const rendered = renderFixture(fixture);
const target = `${baseUrl}/webhooks/${source}`;
const body = signer.signBody ? signer.signBody(rendered.body, key) : rendered.body;
const headers = { ...rendered.headers, ...(await signer.sign(body, key, target)) };
const sent = await request(`/webhooks/${source}`, { method: "POST", headers, body });
const Answer = z.object({ id: z.string().optional(), detail: z.string().optional() }).catch({});
const answer = Answer.parse(await sent.json().catch(() => ({})));
if (sent.status !== 202 || !answer.id)
  fail(`POST /webhooks/${source} answered ${sent.status}: ${answer.detail ?? JSON.stringify(answer)}`);
console.log(`✓ POST /webhooks/${source} 202 id=${answer.id}`);

const eventPath = `/admin/api/events/${encodeURIComponent(source)}/${encodeURIComponent(answer.id)}`;
const deadline = Date.now() + timeoutMs;
let status = "unknown";
while (Date.now() < deadline) {
  const detail = await request(eventPath, { headers: { authorization: `Bearer ${adminToken}` } });
  if (detail.status === 401 || detail.status === 404 || detail.status === 429) {
    // 404 also means "not in the event log yet": the log is written just after the queue hand-off.
    if (detail.status !== 404) fail(`the admin API answered ${detail.status}: check ADMIN_TOKEN`);
  } else if (detail.ok) {
    const Detail = z.object({ event: z.object({ status: z.string() }) });
    status = Detail.catch({ event: { status } }).parse(await detail.json()).event.status;
    if (FINAL_STATUSES.has(status)) break;
  }
  await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
}
if (status !== "delivered")
  fail(
    `event ${answer.id} is "${status}", not delivered: see ${baseUrl}/admin/events/${source}/${encodeURIComponent(answer.id)}`,
  );
console.log(`✓ delivered — ${baseUrl}/admin/events/${source}/${encodeURIComponent(answer.id)}`);
