/**
 * Runs bench/storage-work.perf.ts under vitest in the Workers pool (bounded) and returns what it
 * measured; used by `npm run bench` and by the quick storage-only report (bench/storage-report.ts).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { isStorageWork, type StorageWork } from "./report.ts";

/** Rows, calls, queue messages and bytes per event, and what the ledger's alarm reads (see the perf file). */
export function measureStorageWork(repo: string, timeoutMs: number): Promise<StorageWork> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(repo, "node_modules/vitest/vitest.mjs"), "run", "--config", "bench/vitest.storage.config.ts"],
      {
        cwd: repo,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
      },
    );
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    const killer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(killer);
      const line = output.split("\n").find((l) => l.includes("STORAGE_WORK "));
      if (code !== 0 || !line)
        return reject(new Error(`storage measurement ended with ${code}: ${output.slice(-500)}`));
      const measured: unknown = JSON.parse(line.slice(line.indexOf("STORAGE_WORK ") + 13));
      if (!isStorageWork(measured))
        return reject(new Error("storage measurement printed an unexpected shape"));
      resolve(measured);
    });
  });
}
