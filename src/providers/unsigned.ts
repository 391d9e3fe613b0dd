/**
 * Accepts requests WITHOUT verifying anything. Only usable by a source that sets
 * `dangerouslyAcceptUnsignedRequests: true` (see src/config/define-sources.ts); pair it with `allowedIps`.
 */
import { verified } from "../verify/result";
import { generic } from "./generic";
import type { Provider } from "./provider";

export const unsigned: Provider = {
  scheme: "unsigned",
  signed: [],
  // The sender's own schema: nothing is known to be third-party text.
  untrustedPaths: [],
  decodeSecret: () => null,
  verify: async () => verified,
  identify: generic.identify,
};
