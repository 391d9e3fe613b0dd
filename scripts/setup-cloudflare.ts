/**
 * `npm run setup:cloudflare [-- --dry-run] [--config wrangler.toml]`
 * Creates what a first deploy needs on a Cloudflare account, from what wrangler.toml declares: the queues
 * (every events queue and the dead-letter queue), the R2 buckets (`hookgate-requests`, the stored requests), and
 * a `namespace_id` for the rate-limit binding that is unique to this deployment. The bucket bound as
 * STORED_REQUESTS also gets a lifecycle rule, `hookgate-orphan-backstop`, deleting objects older than
 * CLAIM_RETENTION_DAYS + 1 days: the ledger deletes its segments itself after REPLAY_RETENTION_HOURS, so the rule
 * only catches orphans (a segment written for a group whose claims then failed to commit). Durable Objects need no setup: their classes deploy with the Worker.
 * Safe to run again: resources that already exist are reused, and the backstop rule is replaced, never
 * duplicated. `--dry-run` prints every command and file change and performs none of them.
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

/** The lifecycle rule, on the stored-requests bucket, that deletes the segments the ledger will never delete. */
export const ORPHAN_BACKSTOP_RULE = "hookgate-orphan-backstop";

/** The R2 binding of the stored requests: only its bucket gets the backstop (other buckets keep their objects). */
const STORED_REQUESTS_BINDING = "STORED_REQUESTS";

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
  r2_buckets: z.array(z.object({ binding: z.string(), bucket_name: z.string() })).default([]),
  ratelimits: z.array(z.object({ name: z.string(), namespace_id: z.string() })).default([]),
  // The same bounds and default as src/config/settings.ts.
  vars: z
    .object({ CLAIM_RETENTION_DAYS: z.coerce.number().int().min(1).max(365).default(7) })
    .default({ CLAIM_RETENTION_DAYS: 7 }),
});

const USAGE = `npm run setup:cloudflare [-- --dry-run] [--config wrangler.toml]
Creates the queues, the R2 buckets (with the orphan-backstop lifecycle rule) and a rate-limit namespace id that
wrangler.toml declares, on the account wrangler is logged in to. --dry-run prints what it would do.`;

/** The command line, or the usage and an exit: 0 for --help, 2 for anything it does not know. */
function commandLine() {
  try {
    const { values } = parseArgs({
      options: {
        "dry-run": { type: "boolean", default: false },
        config: { type: "string", default: "wrangler.toml" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
    if (!values.help) return values;
    console.log(USAGE);
    process.exit(0);
  } catch (error) {
    console.error(`setup: ${error instanceof Error ? error.message : error}\n${USAGE}`);
    process.exit(2);
  }
}

const values = commandLine();
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
    console.error(`setup: wrangler ${args.join(" ")} failed; nothing after it was done.`);
    process.exit(1);
  }
  return { ok: run.status === 0, output };
}

const alreadyExists = (output: string) => /already exists|already taken|11009|7502|10004/i.test(output);

/** Runs a wrangler `create` command; a resource that already exists is reused. */
function createOrReuse(kind: string, name: string, args: string[]): void {
  const created = wrangler(args, { allowFailure: true });
  if (!created.ok && !alreadyExists(created.output)) {
    console.error(created.output.trim());
    process.exit(1);
  }
  if (!dryRun) console.log(created.ok ? `✓ ${kind} ${name} created` : `✓ ${kind} ${name} already exists`);
}

/** Sets the orphan backstop on a bucket: remove the previous one (if any), then add it with today's days. */
function setOrphanBackstop(bucket: string, expireDays: number): void {
  // `lifecycle add` appends without looking at the names already there, so a re-run would duplicate it.
  const lifecycle = ["r2", "bucket", "lifecycle"];
  const removed = wrangler([...lifecycle, "remove", bucket, "--name", ORPHAN_BACKSTOP_RULE], {
    allowFailure: true,
  });
  if (!removed.ok && !/lifecycle rule .* not found/i.test(removed.output)) {
    console.error(removed.output.trim());
    process.exit(1);
  }
  // --force: the rule covers every key (no prefix), which wrangler otherwise asks to confirm.
  wrangler([
    ...lifecycle,
    "add",
    bucket,
    ORPHAN_BACKSTOP_RULE,
    "--expire-days",
    String(expireDays),
    "--force",
  ]);
  if (!dryRun)
    console.log(
      `✓ bucket ${bucket}: rule ${ORPHAN_BACKSTOP_RULE} deletes objects older than ${expireDays} days`,
    );
}

let toml = readFileSync(configPath, "utf8");
const config = WranglerConfig.parse(parse(toml));

const queueNames = new Set([
  ...config.queues.producers.map((producer) => producer.queue),
  ...config.queues.consumers.flatMap((consumer) => [consumer.queue, consumer.dead_letter_queue ?? []].flat()),
]);
for (const queue of queueNames) createOrReuse("queue", queue, ["queues", "create", queue]);

// One day past the claims: the ledger has deleted every segment it knows of by then.
const orphanExpiryDays = config.vars.CLAIM_RETENTION_DAYS + 1;
for (const { binding, bucket_name: bucket } of config.r2_buckets) {
  createOrReuse("bucket", bucket, ["r2", "bucket", "create", bucket]);
  if (binding === STORED_REQUESTS_BINDING) setOrphanBackstop(bucket, orphanExpiryDays);
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
