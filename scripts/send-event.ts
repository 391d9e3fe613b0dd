/**
 * `npm run send -- <source> [event-type] [--url URL] [--count N] [--duplicate] [--name NAME]`
 * Posts a realistic sample event (test/fixtures/<source>/<event-type>.json) to the local gateway, signed
 * with the local secret (or, for public-key providers, the local-only private key) from .dev.vars, and
 * prints the status, event id and dashboard page of each request. `--count N` sends N distinct events;
 * `--duplicate` sends each one twice (202, then 200 duplicate). Without a source it lists the samples.
 * `--name NAME` sends the preset's sample to a source you renamed in config (`/webhooks/NAME`), signed with
 * `<NAME>_WEBHOOK_SECRET` (or `--secret-var VAR`), e.g. `npm run send -- github --name github-ops`.
 * An `hmac` source of `HOOKGATE_SOURCES` in .dev.vars is signed from its own config, with the samples of
 * test/fixtures/<name>/ (e.g. `npm run send -- agentx`).
 *
 * A sample file is JSON with:
 * - `headers` (optional): headers the provider sends besides its signature (`x-github-event`, …);
 * - `body`: the JSON body, or instead `form`: fields of an `application/x-www-form-urlencoded` body
 *   (Twilio, Slack interactivity), where an object value is sent as JSON text (Slack's `payload`).
 * Placeholders, fresh for every event: `{{id}}` (32 hex digits), `{{uuid}}` (the same id as a UUID),
 * `{{int}}` (a random integer), `{{snowflake}}` (a Discord-style id), `{{unix}}`, `{{unixMs}}` and
 * `{{iso}}` (now). A string that is exactly `"{{unix}}"`, `"{{unixMs}}"` or `"{{int}}"` becomes a JSON
 * number. Ids a provider sends in headers (GitHub's delivery id, Svix's message id, …) come from the signer.
 * The file is named after the event type the gateway records, with `/` and `:` written as `.`; such
 * samples also carry `"type"`, the name the gateway records (`jira:issue_created`), which is what is printed.
 * A scenario sample has `steps` (and `pauseMs`) instead of a body: one job's callbacks in order, e.g.
 * `npm run send -- agentx job-progress` (queued, 50%, a duplicate, complete, then a late update).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { parseArgs, parseEnv } from "node:util";
import { hmacConfigSigner } from "./sample-signers/hmac-config.ts";
import {
  placeholderValues,
  type RenderedSample,
  renderFixture,
  type SampleFixture,
  sampleName,
} from "./sample-signers/render-fixture.ts";
import { signers } from "./sign-sample.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: "string", default: "http://127.0.0.1:8787" },
    count: { type: "string", default: "1" },
    duplicate: { type: "boolean", default: false },
    name: { type: "string" },
    "secret-var": { type: "string" },
  },
});

const [source, requestedType] = positionals;
const fixturesDir = new URL("../test/fixtures/", import.meta.url);
const baseUrl = values.url.replace(/\/+$/, "");

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

const samplesOf = (name: string) =>
  existsSync(new URL(`${name}/`, fixturesDir))
    ? readdirSync(new URL(`${name}/`, fixturesDir))
        .filter((file) => file.endsWith(".json"))
        .map((file) => file.slice(0, -".json".length))
        .sort()
    : [];

const devVars = existsSync(".dev.vars") ? parseEnv(readFileSync(".dev.vars", "utf8")) : {};
const signer = source ? (signers[source] ?? hmacConfigSigner(devVars.HOOKGATE_SOURCES, source)) : undefined;
if (!source || !signer) {
  const list = Object.keys(signers).map((name) => `  ${name.padEnd(17)} ${samplesOf(name).join(", ")}`);
  fail(
    `usage: npm run send -- <source> [event-type] [--url URL] [--count N] [--duplicate] [--name NAME]\n` +
      `${source ? `unknown source "${source}"\n` : ""}sources and their samples (the first is the default):\n${list.join("\n")}`,
  );
}
const readSample = (name: string): SampleFixture =>
  JSON.parse(readFileSync(new URL(`${source}/${name}.json`, fixturesDir), "utf8"));
const samples = samplesOf(source);
// The default is the first single-event sample; a scenario plays only when named.
const type = requestedType
  ? sampleName(requestedType)
  : (samples.find((name) => !readSample(name).steps) ?? samples[0]);
if (!type || !samples.includes(type)) fail(`no sample "${type}" for ${source}; have: ${samples.join(", ")}`);

/** `github-ops` → `GITHUB_OPS`: the prefix of a renamed source's variables (as in src/config/define-sources.ts). */
const envPrefix = (name: string) => name.toUpperCase().replace(/-/g, "_");
const sourceName = values.name ?? source;
const keyVar =
  values["secret-var"] ??
  (values.name
    ? `${envPrefix(values.name)}_${signer.signingKeyVar ? "DEV_SIGNING_KEY" : "WEBHOOK_SECRET"}`
    : (signer.signingKeyVar ?? signer.secretVar));
const key = devVars[keyVar];
if (!key)
  fail(
    `${keyVar} is not set in .dev.vars (copy it from .dev.vars.example, or delete .dev.vars and run npm run dev)`,
  );

const fixture = readSample(type);
const target = `${baseUrl}/webhooks/${sourceName}`;
const recordedType = fixture.type ?? type;

const postSample = async (rendered: RenderedSample, copies: number, note = ""): Promise<void> => {
  const body = signer.signBody ? signer.signBody(rendered.body, key) : rendered.body;
  const headers = { ...rendered.headers, ...(await signer.sign(body, key, target)) };
  for (let copy = 0; copy < copies; copy++) {
    const response = await fetch(target, { method: "POST", headers, body }).catch((error: unknown) =>
      fail(
        `cannot reach the gateway at ${baseUrl} (${error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error)}): is \`npm run dev\` running?`,
      ),
    );
    if (!response.ok) process.exitCode = 1;
    const answer = await response.text();
    let summary = answer;
    try {
      const parsed = JSON.parse(answer);
      summary = parsed.id
        ? `id=${parsed.id} ${parsed.status}  → ${baseUrl}/admin/events/${sourceName}/${encodeURIComponent(parsed.id)}`
        : (parsed.detail ?? answer);
    } catch {}
    console.log(`${response.status} ${sourceName}/${recordedType} ${summary}${note ? `  (${note})` : ""}`);
  }
};

if (fixture.steps) {
  const now = new Date();
  const shared = placeholderValues(now);
  for (const [n, step] of fixture.steps.entries()) {
    if (n > 0) await new Promise((resolve) => setTimeout(resolve, fixture.pauseMs ?? 1000));
    await postSample(renderFixture(step, now, shared), 1, step.note);
  }
  const job = JSON.parse(renderFixture(fixture.steps[0] ?? {}, now, shared).body)?.job_id;
  if (typeof job === "string")
    console.log(
      `job ${job}: POST ${baseUrl}/admin/api/agents/job-tracker/${job}/token (admin token) for a watch_url, or GET …/state`,
    );
} else {
  const count = Math.max(1, Math.min(10_000, Number(values.count) || 1));
  for (let i = 0; i < count; i++) await postSample(renderFixture(fixture), values.duplicate ? 2 : 1);
}
