/** Reads what the test agent sink (test/support/agent-sink.ts) received, from inside the Workers tests. */
import { inject, vi } from "vitest";
import type { Delivery } from "../../scripts/agent-sink.ts";

export const sinkUrl = (bucket: string, query = "") =>
  `http://127.0.0.1:${inject("sinkPort")}/agent/${bucket}${query ? `?${query}` : ""}`;

export async function deliveries(bucket = "default"): Promise<Delivery[]> {
  const response = await fetch(`http://127.0.0.1:${inject("sinkPort")}/deliveries/${bucket}`);
  return response.json();
}

/** Deliveries to `bucket` whose envelope is for event `id`, once at least `count` arrived (bounded wait). */
export async function waitForDeliveries(
  id: string,
  { bucket = "default", count = 1, timeout = 15_000 } = {},
) {
  return vi.waitUntil(
    async () => {
      const matching = (await deliveries(bucket)).filter((d) => JSON.parse(d.body).id === id);
      return matching.length >= count ? matching : false;
    },
    { timeout, interval: 50 },
  );
}
