/**
 * Bindings the gateway cannot accept an event without. A wrangler.toml from before a binding existed (an
 * upgrade that kept the old file) would otherwise fail every accept with a bare 503; this names the fix.
 */

/** What is missing and how to add it; null when every required binding is there. */
export function missingBindingProblem(env: object): string | null {
  const bucket: unknown = Reflect.get(env, "STORED_REQUESTS");
  if (typeof bucket === "object" && bucket !== null && typeof Reflect.get(bucket, "put") === "function")
    return null;
  return 'STORED_REQUESTS (R2) is not bound: add [[r2_buckets]] binding = "STORED_REQUESTS", bucket_name = "hookgate-requests" to wrangler.toml and run npm run setup:cloudflare';
}
