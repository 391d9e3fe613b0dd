/**
 * Signs for an `hmac` source straight from its `HOOKGATE_SOURCES` entry (header, algorithm, encoding,
 * prefix, signedContent over {body}/{timestamp}/{id}, timestampHeader), as the sender described there would.
 * Only for local samples: the gateway validates the same entry strictly (src/config/hmac-scheme.ts).
 */
import { createHmac, randomUUID } from "node:crypto";
import type { SampleSigner } from "./sample-signer.ts";

interface HmacEntry {
  name: string;
  secretVar?: string;
  hmac: {
    header: string;
    algorithm?: "SHA-1" | "SHA-256" | "SHA-512";
    encoding?: "hex" | "base64" | "base64url";
    prefix?: string;
    signedContent?: string;
    timestampHeader?: { name: string; format: "unix" | "unix_ms" | "iso8601" } | null;
    id?: string[] | { header: string };
  };
}

const isHmacEntry = (entry: unknown, name: string): entry is HmacEntry =>
  typeof entry === "object" &&
  entry !== null &&
  Reflect.get(entry, "name") === name &&
  Reflect.get(entry, "provider") === "hmac" &&
  typeof Reflect.get(entry, "hmac") === "object";

function timestampOf(format: "unix" | "unix_ms" | "iso8601"): string {
  const now = Date.now();
  if (format === "unix_ms") return String(now);
  return format === "iso8601" ? new Date(now).toISOString() : String(Math.floor(now / 1000));
}

/** The signer for the `hmac` source `name` in a `HOOKGATE_SOURCES` value, or undefined when it has none. */
export function hmacConfigSigner(
  hookgateSources: string | undefined,
  name: string,
): SampleSigner | undefined {
  let list: unknown;
  try {
    list = JSON.parse(hookgateSources ?? "[]");
  } catch {
    throw new Error("HOOKGATE_SOURCES is not valid JSON (GET /healthz on the gateway says where)");
  }
  const entry = Array.isArray(list) ? list.find((candidate) => isHmacEntry(candidate, name)) : undefined;
  if (!entry) return undefined;
  const { header, algorithm = "SHA-256", encoding = "hex", prefix = "", timestampHeader = null } = entry.hmac;
  const template = entry.hmac.signedContent ?? "{body}";
  const idHeader = entry.hmac.id && !Array.isArray(entry.hmac.id) ? entry.hmac.id.header : null;
  return {
    secretVar: entry.secretVar ?? `${name.toUpperCase().replace(/-/g, "_")}_WEBHOOK_SECRET`,
    sign: async (body, secret) => {
      const timestamp = timestampHeader ? timestampOf(timestampHeader.format) : "";
      const id = idHeader ? randomUUID() : "";
      const values: Record<string, string> = { body, timestamp, id };
      const signed = template.replace(/\{(body|timestamp|id)\}/g, (_, key: string) => values[key] ?? "");
      const digest = createHmac(algorithm.replace("-", "").toLowerCase(), secret)
        .update(signed)
        .digest(encoding);
      return {
        [header]: `${prefix}${digest}`,
        ...(timestampHeader ? { [timestampHeader.name]: timestamp } : {}),
        ...(idHeader ? { [idHeader]: id } : {}),
      };
    },
  };
}
