/**
 * `/openapi.json` (the OpenAPI 3.1 document), `/docs` (the same, rendered as HTML) and `/` (links to the
 * dashboard, the docs and the health check). Public, like the contract. The document's server is `PUBLIC_BASE_URL` or the relative "/", never the request's Host
 * header; `/docs` runs no script and may not be framed.
 */
import { Hono } from "hono";
import { NONCE, secureHeaders } from "hono/secure-headers";
import { ApiReference } from "./api-reference";
import { HomePage } from "./home-page";
import { openApiDocument } from "./openapi-document";

/** The origin of `PUBLIC_BASE_URL` when it is an http(s) URL, else "/" (relative to wherever it is served). */
function serverUrl(env: object): string {
  const configured: unknown = Reflect.get(env, "PUBLIC_BASE_URL");
  if (typeof configured !== "string" || !URL.canParse(configured)) return "/";
  const url = new URL(configured);
  return url.protocol === "https:" || url.protocol === "http:" ? url.origin : "/";
}

const docsHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    styleSrc: [NONCE],
    formAction: ["'none'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
  },
  xFrameOptions: "DENY",
  referrerPolicy: "same-origin",
});

export const apiDocs = new Hono<{ Bindings: Env }>()
  .get("/", docsHeaders, (c) => c.html(<HomePage styleNonce={c.get("secureHeadersNonce")} />))
  .get("/openapi.json", (c) => c.json(openApiDocument(serverUrl(c.env))))
  .get("/docs", docsHeaders, (c) =>
    c.html(<ApiReference doc={openApiDocument(serverUrl(c.env))} styleNonce={c.get("secureHeadersNonce")} />),
  );
