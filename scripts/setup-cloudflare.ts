/**
 * `npm run setup:cloudflare [-- --dry-run] [--config wrangler.toml]`
 * Creates what a first deploy needs on a Cloudflare account, from what wrangler.toml declares: the queues,
 * the D1 event log (its `database_id` is written into wrangler.toml), a `namespace_id` for the rate-limit
 * binding that is unique to this deployment, and the D1 migrations. Safe to run again: resources that
 * already exist are reused. `--dry-run` prints every command and file change and performs none of them.
 *
 * It drives the `wrangler` CLI, so it uses whatever login wrangler has (`wrangler login`, or
 * CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID in the environment).
 */
import { spawnSync } from "node:child_process";
import { randomInt } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parse } from "smol-toml";
import { z } from "zod";

/** The `database_id` committed to wrangler.toml, which `wrangler dev` accepts and Cloudflare does not. */
export const PLACEHOLDER_DATABASE_ID = "00000000-0000-0000-0000-000000000000";
/** The committed rate-limit namespace; every account deploying Hookgate needs its own. */
export const PLACEHOLDER_NAMESPACE_ID = "1001";

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** The parts of wrangler.toml this script reads (validated: it is config, so a trust boundary). */
const WranglerConfig = z.object({
  queues: z
    .object({
      producers: z.array(z.object({ queue: z.string() })).default([]),
      consumers: z
        .array(z.object({ queue: z.string(), dead_letter_queue: z.string().optional() }))
        .default([]),
    })
    .default({ producers: [], consumers: [] }),
  d1_databases: z.array(z.object({ database_name: z.string(), database_id: z.string() })).default([]),
  ratelimits: z.array(z.object({ name: z.string(), namespace_id: z.string() })).default([]),
});

const { values } = parseArgs({
  options: {
    "dry-run": { type: "boolean", default: false },
    config: { type: "string", default: "wrangler.toml" },
  },
});
const dryRun = values["dry-run"];
const configPath = values.config;

/** Runs `wrangler <args>` (or only prints it in a dry run); returns its combined output. */
function wrangler(args: string[], { allowFailure = false } = {}): { ok: boolean; output: string } {
  console.log(`${dryRun ? "would run" : "$"} wrangler ${args.join(" ")}`);
  if (dryRun) return { ok: true, output: "" };
  const run = spawnSync("wrangler", [...args, "--config", configPath], {
    encoding: "utf8",
    env: { ...process.env, CI: "true" },
  });
  const output = `${run.stdout ?? ""}${run.stderr ?? ""}`;
  if (run.status !== 0 && !allowFailure) {
    console.error(output.trim());
    console.error(`setup: wrangler ${args[0]} ${args[1] ?? ""} failed; nothing after it was done.`);
    process.exit(1);
  }
  return { ok: run.status === 0, output };
}

const alreadyExists = (output: string) => /already exists|already taken|11009|7502/i.test(output);

let toml = readFileSync(configPath, "utf8");
const config = WranglerConfig.parse(parse(toml));

const queueNames = new Set([
  ...config.queues.producers.map((producer) => producer.queue),
  ...config.queues.consumers.flatMap((consumer) => [consumer.queue, consumer.dead_letter_queue ?? []].flat()),
]);
for (const queue of queueNames) {
  const created = wrangler(["queues", "create", queue], { allowFailure: true });
  if (!created.ok && !alreadyExists(created.output)) {
    console.error(created.output.trim());
    process.exit(1);
  }
  if (!dryRun) console.log(created.ok ? `✓ queue ${queue} created` : `✓ queue ${queue} already exists`);
}

for (const database of config.d1_databases) {
  if (database.database_id !== PLACEHOLDER_DATABASE_ID) {
    console.log(`✓ D1 ${database.database_name} already configured (${database.database_id})`);
    continue;
  }
  const created = wrangler(["d1", "create", database.database_name], { allowFailure: true });
  if (!created.ok && !alreadyExists(created.output)) {
    console.error(created.output.trim());
    process.exit(1);
  }
  const described = created.ok
    ? created.output
    : wrangler(["d1", "info", database.database_name, "--json"]).output;
  const id = dryRun ? "<the new database's id>" : described.match(UUID)?.[0];
  if (!id) {
    console.error(`setup: could not read the id of D1 database ${database.database_name}:\n${described}`);
    process.exit(1);
  }
  toml = toml.replace(`database_id = "${PLACEHOLDER_DATABASE_ID}"`, `database_id = "${id}"`);
  console.log(`${dryRun ? "would write" : "✓ wrote"} database_id = "${id}" into ${configPath}`);
}

for (const limiter of config.ratelimits) {
  if (limiter.namespace_id !== PLACEHOLDER_NAMESPACE_ID) continue;
  // Namespace ids are positive integers chosen by the account; a random one avoids clashing with others.
  const namespace = String(randomInt(100_000, 2_000_000_000));
  toml = toml.replace(`namespace_id = "${PLACEHOLDER_NAMESPACE_ID}"`, `namespace_id = "${namespace}"`);
  console.log(`${dryRun ? "would write" : "✓ wrote"} ${limiter.name} namespace_id = "${namespace}"`);
}
if (!dryRun) writeFileSync(configPath, toml);

for (const database of config.d1_databases) {
  wrangler(["d1", "migrations", "apply", database.database_name, "--remote"]);
}

console.log(`
Next: set the secrets (each command prompts for the value, or pipe it in), deploy, and smoke-test:
  openssl rand -hex 32 | npx wrangler secret put ADMIN_TOKEN
  node -e "console.log('whsec_' + require('crypto').randomBytes(32).toString('base64'))" | npx wrangler secret put AGENT_SIGNING_SECRET
  npx wrangler secret put AGENT_ENDPOINT_URL         # your agent's https:// endpoint
  npx wrangler secret put GITHUB_WEBHOOK_SECRET      # one per source you use
  openssl rand -hex 32 | npx wrangler secret put GENERIC_WEBHOOK_SECRET   # used by the smoke test
  npm run deploy
  GENERIC_WEBHOOK_SECRET=… ADMIN_TOKEN=… npm run smoke -- https://<your-worker>`);
