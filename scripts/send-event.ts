/**
 * `npm run send -- <source> [event-type] [--url URL] [--count N] [--duplicate]`
 * Posts a realistic sample event (test/fixtures/<source>/<event-type>.json) to the local gateway, signed
 * with the local secret from .dev.vars, and prints the status and event id of each request.
 */
import { randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { signers } from "./sign-sample.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: "string", default: "http://127.0.0.1:8787" },
    count: { type: "string", default: "1" },
    duplicate: { type: "boolean", default: false },
  },
});

const [source, requestedType] = positionals;
const fixturesDir = new URL("../test/fixtures/", import.meta.url);

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

if (!source || !signers[source]) {
  fail(
    `usage: npm run send -- <source> [event-type] [--url URL] [--count N] [--duplicate]\nsources: ${Object.keys(signers).join(", ")}`,
  );
}
const signer = signers[source];
const samples = readdirSync(new URL(`${source}/`, fixturesDir)).map((file) => file.replace(/\.json$/, ""));
const type = requestedType ?? samples[0];
if (!type || !samples.includes(type.replaceAll("/", ".")))
  fail(`no sample "${type}" for ${source}; have: ${samples.join(", ")}`);

const devVars = existsSync(".dev.vars") ? readFileSync(".dev.vars", "utf8") : "";
const secret = devVars
  .split("\n")
  .find((line) => line.startsWith(`${signer.secretVar}=`))
  ?.slice(signer.secretVar.length + 1)
  .replace(/^"(.*)"$/, "$1");
if (!secret) fail(`${signer.secretVar} is not set in .dev.vars (run \`npm run dev\` once to create it)`);

const fixture: { headers?: Record<string, string>; body: unknown } = JSON.parse(
  readFileSync(new URL(`${source}/${type.replaceAll("/", ".")}.json`, fixturesDir), "utf8"),
);

function render(): string {
  const now = new Date();
  return JSON.stringify(fixture.body)
    .replaceAll('"{{unix}}"', String(Math.floor(now.getTime() / 1000)))
    .replaceAll("{{iso}}", now.toISOString())
    .replaceAll("{{id}}", randomUUID().replaceAll("-", ""));
}

const count = Math.max(1, Math.min(10_000, Number(values.count) || 1));
for (let i = 0; i < count; i++) {
  const body = render();
  const headers = {
    "content-type": "application/json",
    ...fixture.headers,
    ...(await signer.sign(body, secret)),
  };
  for (let copy = 0; copy < (values.duplicate ? 2 : 1); copy++) {
    const response = await fetch(`${values.url}/webhooks/${source}`, { method: "POST", headers, body });
    const answer = await response.text();
    let summary = answer;
    try {
      const parsed = JSON.parse(answer);
      summary = parsed.id
        ? `id=${parsed.id} ${parsed.status}  → ${values.url}/admin/events/${source}/${encodeURIComponent(parsed.id)}`
        : (parsed.detail ?? answer);
    } catch {}
    console.log(`${response.status} ${source}/${type} ${summary}`);
  }
}
