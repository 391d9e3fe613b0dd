/**
 * The job tracker's own Worker (wrangler.jobs.toml): it holds the `JobTracker` class, which brings the
 * Agents SDK (~300 KiB gzipped), so the gateway's bundle and cold start stay small. The gateway binds it
 * with `script_name` and reaches it by RPC (deliveries, the admin API) and WebSocket (readers); this
 * Worker's own URL serves nothing.
 */
export { JobTracker } from "./job-tracker";

export default {
  fetch: () =>
    Response.json(
      { title: "The job tracker is reached through the Hookgate gateway." },
      { status: 404, headers: { "content-type": "application/problem+json" } },
    ),
} satisfies ExportedHandler<Env>;
