/** `/openapi.json` (the OpenAPI 3.1 document) and `/docs` (the same, rendered as HTML). Public, like the contract. */
import { Hono } from "hono";
import { ApiReference } from "./api-reference";
import { openApiDocument } from "./openapi-document";

export const apiDocs = new Hono()
  .get("/openapi.json", (c) => c.json(openApiDocument(new URL(c.req.url).origin)))
  .get("/docs", (c) => c.html(<ApiReference doc={openApiDocument(new URL(c.req.url).origin)} />));
