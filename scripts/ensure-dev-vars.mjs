// Creates .dev.vars from the committed, local-only .dev.vars.example when it is missing.
import { copyFileSync, existsSync } from "node:fs";

if (!existsSync(".dev.vars") && existsSync(".dev.vars.example")) {
  copyFileSync(".dev.vars.example", ".dev.vars");
  console.log("Created .dev.vars from .dev.vars.example (local development secrets).");
}
