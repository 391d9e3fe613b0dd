/** Masks header values that could carry credentials (GitLab's token, signatures, API keys) for display. */

const SENSITIVE = /signature|token|secret|auth|key|hmac|cookie|password|session/i;
export const MASKED = "•••• (masked)";

export function maskHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, SENSITIVE.test(name) ? MASKED : value]),
  );
}
