/** Logs in through the dashboard's form, as a browser does, and returns the issued session cookie. */
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { BASE } from "../support/signed-requests";
import { TEST_SECRETS } from "../support/test-secrets";

/** The `name=value` pair of the session cookie that a successful login sets. */
export async function loginCookie(token = TEST_SECRETS.ADMIN_TOKEN, base = BASE): Promise<string> {
  const response = await exports.default.fetch(
    new Request(`${base}/admin/login`, {
      method: "POST",
      redirect: "manual",
      headers: { origin: base, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token }).toString(),
    }),
  );
  expect(response.status).toBe(303);
  const cookie = response.headers.get("set-cookie")?.split(";")[0];
  expect(cookie).toBeTruthy();
  return cookie ?? "";
}
