/** The body of `GET /healthz`, so the OpenAPI document describes what the health check answers. */
import { z } from "zod";

const ConfigErrors = z.object({
  errors: z.array(z.object({ path: z.string(), message: z.string() })).meta({
    description: "each error's path in the variable (`HOOKGATE_ROUTES[0].destination.secretVar`) and message",
  }),
});

/**
 * `status` is `ok` (200) or `misconfigured` (503); each check is `ok`/`on`/`off` or says what is wrong. Only
 * fault injection, the bindings and invalid sources or routes make it 503.
 */
export const HealthReport = z
  .object({
    status: z.enum(["ok", "misconfigured"]),
    checks: z.object({
      admin: z.string().meta({
        description:
          "`on`, `off (ADMIN_TOKEN unset)`, or why the admin surface is off (a token under 32 characters)",
      }),
      faultInjection: z
        .string()
        .meta({ description: "`off`; anything else outside the test suite is a 503" }),
      sources: z
        .union([z.literal("ok"), ConfigErrors])
        .meta({ description: "`ok`, or `HOOKGATE_SOURCES`'s errors" }),
      routes: z
        .union([z.literal("ok"), ConfigErrors])
        .meta({ description: "`ok`, or `HOOKGATE_ROUTES`'s errors" }),
      settings: z
        .union([z.literal("ok"), z.object({ invalid: z.array(z.string()) })])
        .meta({ description: "`ok`, or each tunable set to an invalid value and the default used instead" }),
      bindings: z.string().meta({ description: "`ok`, or the binding that is missing and how to add it" }),
    }),
  })
  .meta({ description: "What the gateway's configuration looks like: 200 `ok`, or 503 `misconfigured`." });
