/**
 * `npm run test:e2e`: the dashboard in a real browser (Debian's Chromium, driven by playwright-core)
 * against `wrangler dev` with fresh local state. It sends signed GitHub events, logs in, finds them
 * listed, opens one, clicks Replay, confirms it, and waits for the replay's attempt on the detail page;
 * it searches by id prefix, checks that pages fit a 390 px screen and /docs 1280 px; the agent sink checks
 * every delivery's signature. Everything binds to 127.0.0.1, every wait is bounded, and all
 * child processes and temporary directories are removed on success and on failure.
 * Prints one line per check and a verdict `e2e: <n> passed, <m> failed`; exits 1 on any failure.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import getPort from "get-port";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { Webhook } from "standardwebhooks";
import { type Delivery, startAgentSink } from "../../scripts/agent-sink.ts";
import { signers } from "../../scripts/sign-sample.ts";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const WRANGLER = join(REPO, "node_modules/wrangler/bin/wrangler.js");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-proxy-server",
];
const OVERALL_TIMEOUT_MS = 240_000;
const EVENT_COUNT = 3;

const ADMIN_TOKEN = `e2e-admin-${randomBytes(12).toString("hex")}`;
const GITHUB_SECRET = `e2e-github-${randomBytes(12).toString("hex")}`;
const AGENT_SIGNING_SECRET = `whsec_${randomBytes(24).toString("base64")}`;

// ---------------------------------------------------------------------------------------------------
// Bookkeeping: checks, cleanup, output of the processes for diagnosis.

const results: { name: string; ok: boolean }[] = [];
const cleanups: { name: string; run: () => Promise<unknown> }[] = [];
const childOutput: string[] = [];

function remember(prefix: string, chunk: Buffer) {
  for (const line of chunk.toString("utf8").split("\n"))
    if (line.trim()) childOutput.push(`${prefix} ${line}`);
  if (childOutput.length > 400) childOutput.splice(0, childOutput.length - 400);
}

/** Set on interrupt or overall timeout: no new step starts, and waits end early. */
let aborted = false;
/** The step in progress, so that an interrupt lets it finish registering its cleanup first. */
let currentStep: Promise<unknown> = Promise.resolve();

async function check<T>(name: string, body: () => Promise<T>): Promise<T> {
  if (aborted) throw new Error("aborted");
  const step = (async () => {
    const started = Date.now();
    try {
      const value = await body();
      results.push({ name, ok: true });
      console.log(`  ok    ${name} (${Date.now() - started} ms)`);
      return value;
    } catch (error) {
      results.push({ name, ok: false });
      console.log(
        `  FAIL  ${name} (${Date.now() - started} ms)\n        ${error instanceof Error ? error.message : String(error)}`,
      );
      throw error;
    }
  })();
  currentStep = step.catch(() => {});
  return step;
}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns a value other than false/undefined, at most `timeoutMs`. */
async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | false | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (aborted) throw new Error("aborted");
    try {
      const value = await probe();
      if (value !== false && value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(250);
  }
  const why = lastError instanceof Error ? ` (last error: ${lastError.message.split("\n")[0]})` : "";
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
}

async function runCleanups() {
  for (const { name, run } of cleanups.splice(0).reverse()) {
    try {
      await run();
    } catch (error) {
      console.log(`  (cleanup of ${name} failed: ${error instanceof Error ? error.message : String(error)})`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Processes: free ports, wrangler as a process group that is always torn down.

const freePort = (): Promise<number> => getPort({ host: "127.0.0.1" });

function wrangler(args: string[], label: string): ChildProcess {
  const child = spawn(process.execPath, [WRANGLER, ...args], {
    cwd: REPO,
    detached: true, // its own process group, so workerd and every helper go down with it
    stdio: ["ignore", "pipe", "pipe"],
    // No telemetry, and no fetch of the `Request.cf` template from workers.cloudflare.com.
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      NO_COLOR: "1",
      FORCE_COLOR: "0",
    },
  });
  child.stdout?.on("data", (chunk: Buffer) => remember(`[${label}]`, chunk));
  child.stderr?.on("data", (chunk: Buffer) => remember(`[${label}]`, chunk));
  return child;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

async function stopGroup(child: ChildProcess) {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), signal);
    } catch {}
  };
  signalGroup("SIGTERM");
  const done = await Promise.race([exited(child).then(() => true), sleep(5_000).then(() => false)]);
  if (!done) {
    signalGroup("SIGKILL");
    await Promise.race([exited(child), sleep(2_000)]);
  }
}

// ---------------------------------------------------------------------------------------------------
// The gateway side: signed events in, signed deliveries out.

const fixture: { headers: Record<string, string>; body: Record<string, unknown> } = JSON.parse(
  readFileSync(join(REPO, "test/fixtures/github/issues.opened.json"), "utf8"),
);

async function sendGithubEvent(base: string, title: string): Promise<{ id: string; signature: string }> {
  const body = JSON.stringify({ ...fixture.body, issue: { ...(fixture.body.issue as object), title } });
  const signed = await signers.github!.sign(body, GITHUB_SECRET);
  const response = await fetch(`${base}/webhooks/github`, {
    method: "POST",
    headers: { "content-type": "application/json", ...fixture.headers, ...signed },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  const answer = (await response.json()) as { id?: string; status?: string };
  assert(response.status === 202 && answer.status === "accepted", `ingress answered ${response.status}`);
  return { id: String(answer.id), signature: signed["x-hub-signature-256"] ?? "" };
}

function deliveriesOf(deliveries: Delivery[], id: string): Delivery[] {
  return deliveries.filter((delivery) => {
    try {
      return JSON.parse(delivery.body).id === id;
    } catch {
      return false;
    }
  });
}

// ---------------------------------------------------------------------------------------------------
// The browser side.

async function textOf(page: Page, selector = "body"): Promise<string> {
  return (await page.locator(selector).first().textContent({ timeout: 5_000 })) ?? "";
}

async function run() {
  const stateDir = await mkdtemp(join(tmpdir(), "hookgate-e2e-state-"));
  cleanups.push({ name: "state dir", run: () => rm(stateDir, { recursive: true, force: true }) });
  const screenshot = join(tmpdir(), `hookgate-e2e-detail-${Date.now()}.png`);
  const listScreenshot = join(tmpdir(), `hookgate-e2e-list-${Date.now()}.png`);
  const narrowScreenshot = join(tmpdir(), `hookgate-e2e-list-390px-${Date.now()}.png`);

  const sink = await startAgentSink(0);
  cleanups.push({ name: "agent sink", run: () => new Promise((resolve) => sink.server.close(resolve)) });
  const verifier = new Webhook(AGENT_SIGNING_SECRET);

  // E2E_PORT pins wrangler dev's port (and the inspector's, one above) when free ports must be predictable.
  const pinned = Number(process.env.E2E_PORT) || 0;
  const [port, inspectorPort] = pinned ? [pinned, pinned + 1] : [await freePort(), await freePort()];
  const base = `http://127.0.0.1:${port}`;

  await check("wrangler dev serves /healthz", async () => {
    const vars = {
      ADMIN_TOKEN,
      GITHUB_WEBHOOK_SECRET: GITHUB_SECRET,
      AGENT_ENDPOINT_URL: `http://127.0.0.1:${sink.port}/agent/e2e`,
      AGENT_SIGNING_SECRET,
    };
    const dev = wrangler(
      [
        "dev",
        "--ip",
        "127.0.0.1",
        "--port",
        String(port),
        "--inspector-port",
        String(inspectorPort),
        "--persist-to",
        stateDir,
        // Only the values below: no .dev.vars, no .env.
        "--env-file",
        "/dev/null",
        "--show-interactive-dev-session=false",
        "--log-level",
        "log",
        ...Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
      ],
      "wrangler",
    );
    cleanups.push({ name: "wrangler dev", run: () => stopGroup(dev) });
    await waitFor("wrangler dev to answer /healthz", 90_000, async () => {
      assert(dev.exitCode === null, `wrangler dev exited with ${dev.exitCode}`);
      const response = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2_000) });
      return response.ok;
    });
  });

  const events = await check(`${EVENT_COUNT} signed GitHub events are accepted (202)`, async () => {
    const sent: { id: string; title: string; signature: string }[] = [];
    for (let i = 1; i <= EVENT_COUNT; i++) {
      const title = `E2E issue ${i} <b>not bold</b>`;
      sent.push({ ...(await sendGithubEvent(base, title)), title });
    }
    return sent;
  });

  await check("the agent sink receives each event once, with a valid signature", async () => {
    await waitFor("one delivery per event", 30_000, async () =>
      events.every(({ id }) => deliveriesOf(sink.deliveries, id).length === 1),
    );
    for (const delivery of sink.deliveries) verifier.verify(delivery.body, delivery.headers);
  });

  const userDataDir = await mkdtemp(join(tmpdir(), "hookgate-e2e-chromium-"));
  cleanups.push({ name: "chromium profile", run: () => rm(userDataDir, { recursive: true, force: true }) });
  const context: BrowserContext = await check("Chromium starts with a fresh profile", async () => {
    const launched = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: 30_000,
      viewport: { width: 1280, height: 900 },
      // This script's own handlers close the browser, and then stop wrangler too.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
    cleanups.push({ name: "chromium", run: () => launched.close() });
    return launched;
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  page.setDefaultNavigationTimeout(15_000);
  const consoleErrors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => consoleErrors.push(error.message));

  await check("/admin without a session redirects to the login form", async () => {
    await page.goto(`${base}/admin`);
    assert(new URL(page.url()).pathname === "/admin/login", `landed on ${page.url()}`);
  });

  await check("a wrong token is refused on the login form", async () => {
    await page.fill('input[name="token"]', "not-the-token");
    await page.click('button[type="submit"]');
    await page.waitForSelector("text=That token is not valid.");
    const cookies = await context.cookies(`${base}/admin`);
    assert(
      !cookies.some((cookie) => cookie.name === "hookgate_session"),
      "a cookie was set for a wrong token",
    );
    // Chromium logs the intended 401 as "Failed to load resource"; later pages must log nothing.
    consoleErrors.length = 0;
  });

  await check(
    "the right token logs in and sets an HttpOnly SameSite=Strict signed-session cookie",
    async () => {
      await page.fill('input[name="token"]', ADMIN_TOKEN);
      await Promise.all([page.waitForURL(`${base}/admin`), page.click('button[type="submit"]')]);
      const cookie = (await context.cookies(`${base}/admin`)).find((c) => c.name === "hookgate_session");
      assert(
        cookie?.httpOnly &&
          cookie.sameSite === "Strict" &&
          cookie.path === "/admin" &&
          !cookie.value.includes(ADMIN_TOKEN),
        `cookie: ${JSON.stringify(cookie && { ...cookie, value: "…" })}`,
      );
    },
  );

  await check("the event list shows every sent event as delivered, and the summary counts them", async () => {
    await waitFor("every event delivered in the list", 30_000, async () => {
      await page.goto(`${base}/admin`);
      for (const { id } of events) {
        const row = `tr[data-event-id="${id}"]`;
        if ((await page.locator(row).count()) !== 1 || !(await textOf(page, row)).includes("delivered"))
          return false;
      }
      return true;
    });
    const summary = (await textOf(page, ".cards .card")).trim();
    assert(summary.startsWith(String(EVENT_COUNT)), `summary card says ${JSON.stringify(summary)}`);
  });

  const target = events[0]!;
  await check("opening an event shows its payload and a masked signature header", async () => {
    await Promise.all([
      page.waitForURL(/\/admin\/events\/github\//),
      page.click(`tr[data-event-id="${target.id}"] a`),
    ]);
    const text = await textOf(page);
    assert(text.includes(target.title), "the payload's issue title (with its markup as text) is shown");
    assert(text.includes('"number": 1347'), "the payload is pretty-printed");
    const signatureRow = await textOf(page, 'tr:has(th:text-is("x-hub-signature-256"))');
    assert(signatureRow.includes("•••• (masked)"), `signature row: ${signatureRow}`);
    assert(
      !(await page.content()).includes(target.signature.slice(7)),
      "the signature value is not on the page",
    );
    assert(
      (await page.locator("b", { hasText: "not bold" }).count()) === 0,
      "payload markup is not rendered",
    );
    await page.waitForSelector('tr[data-replay="0"][data-outcome="done"]');
  });

  await check("Replay asks for confirmation first, and enqueues nothing until confirmed", async () => {
    await Promise.all([page.waitForURL(/\/replay(\?.*)?$/), page.click('button:text-is("Replay")')]);
    const text = await textOf(page);
    assert(text.includes("Replay this event?"), "the confirm page is shown");
    assert(text.includes("new webhook-id"), "the confirm page says what a replay does");
    await sleep(1_000);
    const count = deliveriesOf(sink.deliveries, target.id).length;
    assert(count === 1, `${count} deliveries before confirming`);
  });

  await check("Replay enqueues replay 1 and the page shows its attempt", async () => {
    await Promise.all([page.waitForURL(/\?replayed=1$/), page.click('button:text-is("Replay now")')]);
    await page.waitForSelector("text=Replay 1 enqueued.");
    // The page refreshes itself (meta refresh) until the replay has run.
    await page.waitForSelector('tr[data-replay="1"][data-outcome="done"]', { timeout: 30_000 });
    const row = await textOf(page, 'tr[data-replay="1"]');
    assert(row.includes("replay 1") && row.includes("done"), `replay row: ${row}`);
    await page.screenshot({ path: screenshot, fullPage: true });
    await page.goto(`${base}/admin?live=0`);
    await page.screenshot({ path: listScreenshot, fullPage: true });
  });

  await check(
    "a failed delivery shows its destination, status, answer and next try, then succeeds",
    async () => {
      sink.behaviours.set("e2e", "status=503&retryAfter=3&body=agent busy: <b>later</b>");
      const failing = await sendGithubEvent(base, "an event the agent refuses once");
      await waitFor("the agent's 503", 20_000, async () =>
        deliveriesOf(sink.deliveries, failing.id).some((delivery) => delivery.status === 503),
      );
      sink.behaviours.delete("e2e");
      await page.goto(`${base}/admin/events/github/${encodeURIComponent(failing.id)}`);
      await waitFor("the failed attempt on the page", 20_000, async () => {
        await page.reload();
        return (await page.locator('tr[data-outcome="failed"]').count()) > 0;
      });
      const row = await textOf(page, 'tr[data-outcome="failed"]');
      assert(row.includes("503"), `the attempt shows the status: ${row}`);
      assert(row.includes("agent busy: <b>later</b>"), `the answer is shown as text: ${row}`);
      assert(row.includes(`127.0.0.1:${sink.port}/agent/e2e`), `the attempt names its destination: ${row}`);
      assert(row.includes("1 of"), `the attempt says "1 of max": ${row}`);
      assert((await page.locator("pre.answer b").count()) === 0, "the answer's markup is not rendered");
      const nextTry = await textOf(page, "td[data-next-retry]");
      assert(/\d/.test(nextTry), `the next try time is shown: ${JSON.stringify(nextTry)}`);
      await waitFor("the retry to be delivered", 30_000, async () =>
        deliveriesOf(sink.deliveries, failing.id).some((delivery) => delivery.status === 200),
      );
    },
  );

  await check("searching by an event id prefix lists that event only", async () => {
    const prefix = target.id.slice(0, 12);
    await page.goto(`${base}/admin`);
    await page.fill('input[name="id"]', prefix);
    await Promise.all([page.waitForURL(/[?&]id=/), page.click('button:text-is("Filter")')]);
    const ids = await page
      .locator("tr[data-event-id]")
      .evaluateAll((rows) => rows.map((row) => row.getAttribute("data-event-id") ?? ""));
    assert(ids.includes(target.id), `the event is listed: ${ids.join(", ")}`);
    assert(
      ids.every((id) => id.startsWith(prefix)),
      `only ids starting ${prefix} are listed: ${ids.join(", ")}`,
    );
    assert((await page.inputValue('input[name="id"]')) === prefix, "the search stays in the form");
  });

  await check(
    "at 390 px wide, pages scroll no wider than the screen; the tables scroll in their box",
    async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      try {
        const paths = [
          "/admin",
          `/admin/events/github/${encodeURIComponent(target.id)}`,
          `/admin/events/github/${encodeURIComponent(target.id)}/replay`,
          "/admin/dead-letters",
        ];
        for (const path of paths) {
          await page.goto(`${base}${path}`);
          // Strings: this file is type-checked without the DOM library.
          const layout = (await page.evaluate(
            `({ pageWidth: document.documentElement.scrollWidth, screenWidth: window.innerWidth,
              headerWidth: document.querySelector("header")?.getBoundingClientRect().width ?? 0 })`,
          )) as { pageWidth: number; screenWidth: number; headerWidth: number };
          assert(
            layout.pageWidth <= layout.screenWidth,
            `${path}: the page is ${layout.pageWidth} px wide on a ${layout.screenWidth} px screen`,
          );
          assert(
            layout.headerWidth === layout.screenWidth,
            `${path}: the header is ${layout.headerWidth} px`,
          );
        }
        await page.goto(`${base}/admin`);
        const table = (await page.evaluate(
          `(() => { const box = document.querySelector(".table-scroll");
          return box ? { overflowX: getComputedStyle(box).overflowX, rows: box.querySelectorAll("tr").length } : null; })()`,
        )) as { overflowX: string; rows: number } | null;
        assert(table?.overflowX === "auto" && table.rows > 1, `event table box: ${JSON.stringify(table)}`);
        await page.screenshot({ path: narrowScreenshot, fullPage: true });
        const link = page.locator(`tr[data-event-id="${target.id}"] a`);
        const box = await link.boundingBox();
        assert(
          box && box.x >= 0 && box.x + box.width <= 390,
          `the event link is on screen: ${JSON.stringify(box)}`,
        );
      } finally {
        await page.setViewportSize({ width: 1280, height: 900 });
      }
    },
  );

  await check("/docs fits 1280 px, and / points to /admin, /docs and /healthz", async () => {
    await page.goto(`${base}/docs`);
    const width = Number(await page.evaluate("document.documentElement.scrollWidth"));
    assert(width <= 1280, `/docs is ${width} px wide`);
    assert((await textOf(page, ".lock")).trim() === "admin token", "the lock marker is text");
    await page.goto(`${base}/`);
    for (const path of ["/admin", "/docs", "/healthz"])
      assert((await page.locator(`a[href="${path}"]`).count()) === 1, `/ links ${path}`);
    await page.goto(`${base}/admin`);
  });

  await check("the agent receives the replay with a new webhook-id and a valid signature", async () => {
    const [first, second] = await waitFor("a second delivery", 15_000, async () => {
      const found = deliveriesOf(sink.deliveries, target.id);
      return found.length === 2 ? found : false;
    });
    assert(first && second && first.webhookId !== second.webhookId, "replay reuses the webhook-id");
    assert(second.headers["idempotency-key"] === `github:${target.id}:forward:replay-1`, "idempotency key");
    verifier.verify(second.body, second.headers);
  });

  await check("the dead-letter view is reachable and empty", async () => {
    await Promise.all([
      page.waitForURL(`${base}/admin/dead-letters`),
      page.click("header >> text=Dead letters"),
    ]);
    assert((await textOf(page)).includes("No dead letters."), "dead-letter view lists something");
  });

  await check("logging out ends the session", async () => {
    await Promise.all([page.waitForURL(`${base}/admin/login`), page.click('button:text-is("Log out")')]);
    await page.goto(`${base}/admin`);
    assert(new URL(page.url()).pathname === "/admin/login", `still signed in at ${page.url()}`);
  });

  await check("no console errors (a CSP violation would be one)", async () => {
    assert(consoleErrors.length === 0, consoleErrors.join("\n"));
  });

  console.log(
    `  screenshots: detail page after the replay ${screenshot}, event list ${listScreenshot}, at 390 px ${narrowScreenshot}`,
  );
}

// ---------------------------------------------------------------------------------------------------

let finished = false;
async function finish(code: number, reason?: string) {
  if (finished) return;
  finished = true;
  aborted = true;
  if (reason) console.log(`  ${reason}`);
  // A step still running (say, a browser launch) registers its cleanup when it settles.
  await Promise.race([currentStep, sleep(30_000)]);
  const failed =
    results.filter((result) => !result.ok).length + (code !== 0 && results.every((r) => r.ok) ? 1 : 0);
  if (code !== 0 && childOutput.length > 0) {
    console.log("  --- last output of wrangler ---");
    for (const line of childOutput.slice(-60)) console.log(`  ${line}`);
  }
  await runCleanups();
  const passed = results.filter((result) => result.ok).length;
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  process.exit(code);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => void finish(1, `interrupted by ${signal}`));
}
const overall = setTimeout(
  () => void finish(1, `timed out after ${OVERALL_TIMEOUT_MS / 1000} s`),
  OVERALL_TIMEOUT_MS,
);

const started = Date.now();
console.log("e2e: dashboard in Chromium against wrangler dev");
try {
  await run();
  clearTimeout(overall);
  console.log(`  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  await finish(0);
} catch (error) {
  clearTimeout(overall);
  const known = results.some((result) => !result.ok);
  await finish(1, known ? undefined : `error: ${error instanceof Error ? error.stack : String(error)}`);
}
