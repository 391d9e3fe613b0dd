/**
 * The quick, storage-only part of the bench: runs bench/storage-work.perf.ts (about 10 s, no load sweep),
 * prints issue 16's figures table, and rewrites that table's section and "Storage work per event" in
 * bench/results/latest.md, leaving the load sweep's sections as they were. Run: `node bench/storage-report.ts`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_DEPLOYMENT } from "./cost-model.ts";
import {
  FIGURES_HEADING,
  figuresSection,
  leanFigures,
  previousFigures,
  printFigures,
  TARGET_RATE,
} from "./lean-figures.ts";
import { measureStorageWork } from "./measure-storage-work.ts";
import { storageSection } from "./report.ts";

const REPO = fileURLToPath(new URL("../", import.meta.url));
const LATEST = join(REPO, "bench/results/latest.md");

/** Replaces the section under `heading` (up to the next "## "), or inserts it before `before`. */
function replaceSection(markdown: string, heading: string, section: string[], before: string): string {
  const text = `${section.join("\n").trimEnd()}\n\n`;
  const start = markdown.indexOf(`\n${heading}`);
  if (start >= 0) {
    const end = markdown.indexOf("\n## ", start + heading.length + 1);
    return `${markdown.slice(0, start + 1)}${text}${end < 0 ? "" : markdown.slice(end + 1)}`;
  }
  const at = markdown.indexOf(`\n${before}`);
  return at < 0
    ? `${markdown.trimEnd()}\n\n${text}`
    : `${markdown.slice(0, at + 1)}${text}${markdown.slice(at + 1)}`;
}

const work = await measureStorageWork(REPO, 120_000);
const latest = readFileSync(LATEST, "utf8");
const previous = previousFigures(latest);
const figures = leanFigures(work, null);
printFigures(figures, previous);
const date = new Date().toISOString().slice(0, 16).replace("T", " ");
const intro = `Storage-only run of ${date} UTC (\`node bench/storage-report.ts\`, which runs \`npx vitest run --config bench/vitest.storage.config.ts\`), not the load sweep the other sections come from: 2 KB GitHub events, one route (the built-in forwarder), first-try delivery, counted in workerd (bench/storage-work.perf.ts) and priced by bench/cost-model.ts at ${TARGET_RATE.toLocaleString("en-US")} events/s with the default deployment (${DEFAULT_DEPLOYMENT.shards} shards, ${DEFAULT_DEPLOYMENT.queues} queues, one alarm per shard per ${DEFAULT_DEPLOYMENT.alarmSeconds} s). The headline per-event figures are the **batched** run (${work.batch.events} events accepted concurrently, divided by ${work.batch.events}); the lone event and the whole life (rows written later by the request purge and expiry) are shown beside them. Throughput and CPU come only from the full \`npm run bench\`. "Old value" is the figure before the lean pipeline, carried over from the previous file's old-value column.`;
let updated = replaceSection(latest, FIGURES_HEADING, figuresSection(figures, previous, intro), "## Ingest");
updated = replaceSection(updated, "## Storage work per event", storageSection(work), "## Correctness");
writeFileSync(LATEST, updated);
console.log(
  `\n  bench/results/latest.md: "${FIGURES_HEADING.slice(3)}" and "Storage work per event" rewritten`,
);
