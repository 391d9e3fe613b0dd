/** Calls the admin API from tests with the test token, and waits for the event log to show an outcome. */
import { exports } from "cloudflare:workers";
import { vi } from "vitest";
import { EventDetail } from "../../src/admin/admin-schemas";
import { BASE } from "./signed-requests";
import { TEST_SECRETS } from "./test-secrets";

/** `path` under `/admin/api`, with the bearer token (headers in `init` are added to it). */
export const admin = (path: string, init: RequestInit = {}) =>
  exports.default.fetch(
    new Request(`${BASE}/admin/api${path}`, {
      ...init,
      headers: { authorization: `Bearer ${TEST_SECRETS.ADMIN_TOKEN}`, ...init.headers },
    }),
  );

/** Waits (bounded) until the event log shows the event with `status`; returns its detail. */
export function logged(source: string, id: string, status = "delivered") {
  return vi.waitUntil(
    async () => {
      const response = await admin(`/events/${source}/${encodeURIComponent(id)}`);
      if (response.status !== 200) return false;
      const detail = EventDetail.parse(await response.json());
      return detail.event.status === status ? detail : false;
    },
    { timeout: 15_000, interval: 100 },
  );
}
