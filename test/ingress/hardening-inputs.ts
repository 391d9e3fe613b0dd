/**
 * Request builders for the rows of docs/bad-inputs.md added by the security hardening (issue 10):
 * event ids, signature counts and parse bounds. bad-inputs.test.ts merges them into its table.
 */
import { exports } from "cloudflare:workers";
import { post, stripeEvent } from "../support/signed-requests";

const send = (request: Request) => exports.default.fetch(request);

export const hardeningInputs: Record<string, () => Promise<Response>> = {
  "event id with a lone UTF-16 surrogate, signed": async () =>
    send(post(await stripeEvent({ id: `evt_sur\ud800${crypto.randomUUID()}`, type: "x.y" }))),
  "event id `..`, signed": async () => send(post(await stripeEvent({ id: "..", type: "x.y" }))),
};
