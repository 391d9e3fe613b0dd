/**
 * `GET /docs`: the OpenAPI document rendered as one self-contained, readable HTML page (no external
 * assets, no script): types in words, Markdown in descriptions rendered, request bodies and response
 * headers shown.
 */
import type { FC } from "hono/jsx";
import { InlineMarkdown } from "./inline-markdown";
import type { openApiDocument } from "./openapi-document";
import { type JsonSchema, schemaType, type TypePart } from "./render-schema-type";

type Document = ReturnType<typeof openApiDocument>;
type Content = Record<string, { schema?: JsonSchema }>;
type Operation = {
  operationId?: string;
  tags?: string[];
  summary?: string;
  description?: string;
  security?: Record<string, unknown>[];
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: JsonSchema }[];
  requestBody?: { description?: string; required?: boolean; content: Content };
  responses: Record<string, { description: string; headers?: Record<string, unknown>; content?: Content }>;
};

const STYLE = `*{box-sizing:border-box}
body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1d2330;overflow-wrap:anywhere}
h2{margin-top:2.5rem;border-bottom:1px solid #ddd}h3{margin:1.8rem 0 .4rem}code,pre{font-family:ui-monospace,monospace;font-size:13px}
pre{background:#f5f6f8;padding:.75rem;overflow:auto;border-radius:6px;white-space:pre-wrap}
.m{display:inline-block;min-width:4.5em;font-weight:700}.post{color:#0b6e4f}.get{color:#1f5fbf}
table{border-collapse:collapse;width:100%;margin:.4rem 0}td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f5f6f8;font-weight:600}.lock{display:inline-block;font-size:12px;font-weight:600;border:1px solid #8a5a00;color:#8a5a00;border-radius:4px;padding:0 .4rem;vertical-align:middle}
.muted{color:#5d6877}nav a{margin-right:.8rem}`;

const LockMarker: FC = () => (
  <span class="lock" title="requires Authorization: Bearer $ADMIN_TOKEN">
    admin token
  </span>
);

const TypeText: FC<{ schema: JsonSchema | undefined }> = ({ schema }) => (
  <code>
    {schemaType(schema ?? {}).map((part: TypePart) =>
      typeof part === "string" ? part : <a href={`#schema-${part.ref}`}>{part.ref}</a>,
    )}
  </code>
);

const BodyContent: FC<{ content: Content | undefined }> = ({ content }) => (
  <>
    {Object.entries(content ?? {}).map(([mediaType, { schema }]) => (
      <>
        {" "}
        <code>{mediaType}</code>: <TypeText schema={schema} />
      </>
    ))}
  </>
);

const isAdmin = (op: Operation) => op.security?.some((requirement) => "adminToken" in requirement) ?? false;

type SecurityScheme = { type: string; name?: string; description?: string };

/** The signature headers an ingress request may carry: one of them, the one of its source's provider. */
const SignatureHeaders: FC<{ op: Operation; schemes: Record<string, SecurityScheme> }> = ({
  op,
  schemes,
}) => {
  const headers = (op.security ?? [])
    .flatMap((requirement) => Object.keys(requirement))
    .map((id) => schemes[id])
    .filter((scheme): scheme is SecurityScheme => scheme?.type === "apiKey");
  return headers.length ? (
    <>
      <p>
        <b>Signature</b> (one of these headers, as the source's provider sends it):
      </p>
      <ul>
        {headers.map((scheme) => (
          <li>
            <code>{scheme.name}</code>: <InlineMarkdown text={scheme.description} />
          </li>
        ))}
      </ul>
    </>
  ) : null;
};

type EndpointProps = { method: string; path: string; op: Operation; schemes: Record<string, SecurityScheme> };

const Endpoint: FC<EndpointProps> = ({ method, path, op, schemes }) => (
  <section id={op.operationId}>
    <h3>
      <span class={`m ${method}`}>{method.toUpperCase()}</span> <code>{path}</code>{" "}
      {isAdmin(op) ? <LockMarker /> : null}
    </h3>
    <p>
      <InlineMarkdown text={op.summary} />
    </p>
    {op.description ? (
      <p>
        <InlineMarkdown text={op.description} />
      </p>
    ) : null}
    <SignatureHeaders op={op} schemes={schemes} />
    {op.parameters?.length ? (
      <table>
        <tr>
          <th>parameter</th>
          <th>in</th>
          <th>required</th>
          <th>type</th>
          <th>description</th>
        </tr>
        {op.parameters.map((p) => (
          <tr>
            <td>
              <code>{p.name}</code>
            </td>
            <td>{p.in}</td>
            <td>{p.required ? "yes" : "no"}</td>
            <td>
              <TypeText schema={p.schema} />
            </td>
            <td>
              <InlineMarkdown text={p.description} />
            </td>
          </tr>
        ))}
      </table>
    ) : null}
    {op.requestBody ? (
      <p>
        <b>Request body</b>
        {op.requestBody.required ? " (required)" : ""}:<BodyContent content={op.requestBody.content} />
        {op.requestBody.description ? (
          <>
            {" "}
            — <InlineMarkdown text={op.requestBody.description} />
          </>
        ) : null}
      </p>
    ) : null}
    <ul>
      {Object.entries(op.responses).map(([status, response]) => (
        <li>
          <b>{status}</b> <InlineMarkdown text={response.description} />
          {response.content ? (
            <>
              {" "}
              →<BodyContent content={response.content} />
            </>
          ) : null}
          {response.headers ? (
            <span class="muted">
              {" "}
              (headers:{" "}
              {Object.keys(response.headers).map((name, index) => (
                <>
                  {index ? ", " : ""}
                  <code>{name}</code>
                </>
              ))}
              )
            </span>
          ) : null}
        </li>
      ))}
    </ul>
  </section>
);

const SchemaTable: FC<{ name: string; schema: JsonSchema }> = ({ name, schema }) => {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  return (
    <section id={`schema-${name}`}>
      <h3>{name}</h3>
      {Object.keys(properties).length === 0 ? (
        <p>
          <TypeText schema={schema} />
        </p>
      ) : (
        <table>
          <tr>
            <th>field</th>
            <th>type</th>
            <th>required</th>
            <th>description</th>
          </tr>
          {Object.entries(properties).map(([field, property]) => (
            <tr>
              <td>
                <code>{field}</code>
              </td>
              <td>
                <TypeText schema={property} />
              </td>
              <td>{required.has(field) ? "yes" : "no"}</td>
              <td>
                <InlineMarkdown text={typeof property.description === "string" ? property.description : ""} />
              </td>
            </tr>
          ))}
        </table>
      )}
    </section>
  );
};

/** `styleNonce` is the CSP nonce that lets the page's one inline stylesheet apply. */
export const ApiReference: FC<{ doc: Document; styleNonce: string | undefined }> = ({ doc, styleNonce }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{doc.info.title} API reference</title>
      <style nonce={styleNonce}>{STYLE}</style>
    </head>
    <body>
      <h1>{doc.info.title} API reference</h1>
      <p>
        {doc.info.description} Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI{" "}
        {doc.openapi}, {doc.info.license.name} license). <LockMarker /> = send{" "}
        <code>Authorization: Bearer $ADMIN_TOKEN</code>.
      </p>
      <nav>
        {doc.tags.map((tag) => (
          <a href={`#tag-${tag.name}`}>{tag.name}</a>
        ))}
        <a href="#schemas">schemas</a>
      </nav>
      {doc.tags.map((tag) => (
        <>
          <h2 id={`tag-${tag.name}`}>{tag.name}</h2>
          <p>
            <InlineMarkdown text={tag.description} />
          </p>
          {Object.entries(doc.paths).flatMap(([path, methods]) =>
            Object.entries(methods as Record<string, Operation>)
              .filter(([, op]) => op.tags?.includes(tag.name))
              .map(([method, op]) => (
                <Endpoint method={method} path={path} op={op} schemes={doc.components.securitySchemes} />
              )),
          )}
        </>
      ))}
      <h2 id="schemas">Schemas</h2>
      {Object.entries(doc.components.schemas).map(([name, schema]) => (
        <SchemaTable name={name} schema={schema} />
      ))}
    </body>
  </html>
);
