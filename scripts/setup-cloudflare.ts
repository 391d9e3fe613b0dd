/**
 * `npm run setup:cloudflare [-- --dry-run] [--config wrangler.toml]`
 * Creates what a first deploy needs on a Cloudflare account, from what wrangler.toml declares: the queues
 * (every events queue and the dead-letter queue) and a `namespace_id` for the rate-limit binding that is
 * unique to this deployment. Durable Objects need no setup: their classes deploy with the Worker. Safe to run
 * again: resources that already exist are reused. `--dry-run` prints every command and file change and performs none of them.
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

/** The committed rate-limit namespace; every account deploying Hookgate needs its own. */
export const PLACEHOLDER_NAMESPACE_ID = "1001";

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

for (const limiter of config.ratelimits) {
  if (limiter.namespace_id !== PLACEHOLDER_NAMESPACE_ID) continue;
  // Namespace ids are positive integers chosen by the account; a random one avoids clashing with others.
  const namespace = String(randomInt(100_000, 2_000_000_000));
  toml = toml.replace(`namespace_id = "${PLACEHOLDER_NAMESPACE_ID}"`, `namespace_id = "${namespace}"`);
  console.log(`${dryRun ? "would write" : "✓ wrote"} ${limiter.name} namespace_id = "${namespace}"`);
}
if (!dryRun) writeFileSync(configPath, toml);

console.log(`
Next: set the secrets (each command prompts for the value, or pipe it in), deploy, and smoke-test:
  openssl rand -hex 32 | npx wrangler secret put ADMIN_TOKEN
  node -e "console.log('whsec_' + require('crypto').randomBytes(32).toString('base64'))" | npx wrangler secret put AGENT_SIGNING_SECRET
  npx wrangler secret put AGENT_ENDPOINT_URL         # your agent's https:// endpoint
  npx wrangler secret put GITHUB_WEBHOOK_SECRET      # one per source you use
  openssl rand -hex 32 | npx wrangler secret put GENERIC_WEBHOOK_SECRET   # used by the smoke test
  npm run deploy
  GENERIC_WEBHOOK_SECRET=… ADMIN_TOKEN=… npm run smoke -- https://<your-worker>`);
