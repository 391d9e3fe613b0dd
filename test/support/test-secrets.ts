/** Secrets the test gateway is configured with (see vitest.config.ts). Test-only values. */
export const TEST_SECRETS = {
  GITHUB_WEBHOOK_SECRET: "It's a Secret to Everybody",
  STRIPE_WEBHOOK_SECRET: "whsec_test_stripe secret with spaces",
  SLACK_SIGNING_SECRET: "8f742231b10e8888abcd99yyyzzz85a5",
  SHOPIFY_WEBHOOK_SECRET: "shopify-test-secret",
  STANDARD_WEBHOOK_SECRET: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  GENERIC_WEBHOOK_SECRET: "generic-test-secret",
  GENERIC_WEBHOOK_SECRET_PREVIOUS: "generic-previous-secret",
  ADMIN_TOKEN: "test-admin-token-0123456789abcdef",
  JOB_READ_TOKEN_SECRET: "test-job-read-token-secret-0123456789",
  AGENT_SIGNING_SECRET: "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
  AGENT_SIGNING_KEY:
    "whsk_8BQYLBipc9+tdm1qwXCtkzeQs++Cu3BGd1HPp18IbcUxIf7FbpOxupatLORy/qboc33hdi4y+LEq2IVNurgRPg==",
};
