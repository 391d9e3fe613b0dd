/** Read tokens for one job: HMAC-SHA256 over the job and the expiry, checked in constant time. */
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { mintReadToken, readTokenRefusal } from "../../src/agents/job-read-token";

const SECRET = "job-read-token-secret-0123456789abcdef";
const NOW = 1_800_000_000;

describe("read tokens", () => {
  it("are valid for their job until they expire", async () => {
    const token = await mintReadToken(SECRET, "job_1", NOW + 60);
    expect(await readTokenRefusal(SECRET, "job_1", token, NOW)).toBeNull();
    expect(await readTokenRefusal(SECRET, "job_1", token, NOW + 61)).toBe("expired");
    expect(await readTokenRefusal(SECRET, "job_2", token, NOW)).toBe("bad_signature");
    expect(await readTokenRefusal(`${SECRET}x`, "job_1", token, NOW)).toBe("bad_signature");
    expect(await readTokenRefusal(undefined, "job_1", token, NOW)).toBe("no_secret");
  });

  it("cannot be extended by editing the expiry", async () => {
    const token = await mintReadToken(SECRET, "job_1", NOW + 60);
    const [, mac] = token.split(".");
    expect(await readTokenRefusal(SECRET, "job_1", `${NOW + 9999}.${mac}`, NOW)).toBe("bad_signature");
    expect(await readTokenRefusal(SECRET, "job_1", "not-a-token", NOW)).toBe("malformed");
  });

  it("are what the documented HMAC gives, so a backend can mint them itself", async () => {
    const expiresAt = NOW + 300;
    const mac = createHmac("sha256", SECRET)
      .update(`hookgate-job-read:v1:job_1:${expiresAt}`)
      .digest("base64url");
    expect(await mintReadToken(SECRET, "job_1", expiresAt)).toBe(`${expiresAt}.${mac}`);
  });
});
