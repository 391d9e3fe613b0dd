/** Applies migrations/ to the test D1 database (idempotent: setup files may run more than once). */
import { applyD1Migrations, type D1Migration } from "cloudflare:test";
import { env } from "cloudflare:workers";

const migrations: unknown = Reflect.get(env, "TEST_MIGRATIONS");
if (!Array.isArray(migrations)) throw new Error("TEST_MIGRATIONS binding missing: see vitest.config.ts");
await applyD1Migrations(env.EVENT_LOG, migrations as D1Migration[]);
