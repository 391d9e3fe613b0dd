/**
 * A stand-in for the few Cloudflare API endpoints that `wrangler queues create`, `wrangler r2 bucket create`,
 * `wrangler r2 bucket lifecycle add|remove`, `wrangler d1 create` and `wrangler d1 migrations apply --remote`
 * call, so the setup script can be tested offline. Wrangler is pointed at it with CLOUDFLARE_API_BASE_URL. It
 * records every call, and keeps the state a real account would (queues, buckets, lifecycle rules and databases
 * that already exist), so a second run meets "already exists".
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface MockCloudflareApi {
  readonly baseUrl: string;
  readonly calls: { method: string; path: string; body: string }[];
  readonly queues: Set<string>;
  readonly buckets: Set<string>;
  /** Each bucket's lifecycle rules, as wrangler last PUT them. */
  readonly lifecycleRules: Map<string, unknown[]>;
  readonly databases: Map<string, string>;
  close(): Promise<void>;
}

const envelope = (result: unknown, errors: { code: number; message: string }[] = []) =>
  JSON.stringify({ success: errors.length === 0, errors, messages: [], result });

export async function startMockCloudflareApi(): Promise<MockCloudflareApi> {
  const calls: MockCloudflareApi["calls"] = [];
  const queues = new Set<string>();
  const buckets = new Set<string>();
  const lifecycleRules = new Map<string, unknown[]>();
  const databases = new Map<string, string>();
  const server: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      const path = new URL(request.url ?? "/", "http://mock").pathname.replace(/^\/client\/v4/, "");
      calls.push({ method: request.method ?? "GET", path, body });
      response.setHeader("content-type", "application/json");
      const answer = (status: number, text: string) => {
        response.statusCode = status;
        response.end(text);
      };
      if (request.method === "POST" && /^\/accounts\/[^/]+\/queues$/.test(path)) {
        const name = String(JSON.parse(body).queue_name);
        if (queues.has(name))
          return answer(
            409,
            envelope(null, [{ code: 11009, message: `Queue name '${name}' is already taken` }]),
          );
        queues.add(name);
        return answer(200, envelope({ queue_id: `q-${queues.size}`, queue_name: name }));
      }
      if (request.method === "POST" && /^\/accounts\/[^/]+\/r2\/buckets$/.test(path)) {
        const name = String(JSON.parse(body).name);
        if (buckets.has(name))
          return answer(
            409,
            envelope(null, [
              { code: 10004, message: "The bucket you tried to create already exists, and you own it." },
            ]),
          );
        buckets.add(name);
        return answer(200, envelope({ name, creation_date: new Date(0).toISOString() }));
      }
      const lifecycle = /^\/accounts\/[^/]+\/r2\/buckets\/([^/]+)\/lifecycle$/.exec(path);
      if (lifecycle?.[1] !== undefined) {
        const bucket = decodeURIComponent(lifecycle[1]);
        if (!buckets.has(bucket))
          return answer(
            404,
            envelope(null, [{ code: 10006, message: "The specified bucket does not exist." }]),
          );
        if (request.method === "PUT") lifecycleRules.set(bucket, JSON.parse(body).rules);
        return answer(
          200,
          envelope(request.method === "GET" ? { rules: lifecycleRules.get(bucket) ?? [] } : {}),
        );
      }
      if (request.method === "POST" && /^\/accounts\/[^/]+\/d1\/database$/.test(path)) {
        const name = String(JSON.parse(body).name);
        if (databases.has(name))
          return answer(
            400,
            envelope(null, [{ code: 7502, message: "A database with that name already exists" }]),
          );
        const uuid = `${"1".repeat(8)}-2222-3333-4444-${String(databases.size).padStart(12, "5")}`;
        databases.set(name, uuid);
        return answer(200, envelope({ uuid, name, created_at: new Date(0).toISOString() }));
      }
      if (/\/d1\/database\/[^/]+\/query$/.test(path))
        return answer(200, envelope([{ results: [], success: true, meta: { duration: 0 } }]));
      return answer(200, envelope([]));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/client/v4`,
    calls,
    queues,
    buckets,
    lifecycleRules,
    databases,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
