import type { JsonSchema, OpenApiDocument, OperationObject } from "./document-types";

/**
 * /docs: the document as one self-contained HTML page, rendered here with no
 * script and nothing fetched from elsewhere (docs/adr/0009-openapi-from-zod.md:
 * keel's API must stay readable where no CDN is reachable, and no third-party
 * script runs on the API's origin). Tools that want a richer view load
 * /openapi.json themselves.
 */
export function renderDocsPage(doc: OpenApiDocument): string {
  const sections = doc.tags.map((tag) => {
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, op]) => op.tags.includes(tag.name))
        .map(([method, op]) => renderOperation(method, path, op)),
    );
    return `<section><h2 id="${esc(tag.name)}">${esc(tag.name)}</h2><p>${esc(tag.description)}</p>${operations.join("")}</section>`;
  });
  const toc = [...doc.tags.map((t) => `<a href="#${esc(t.name)}">${esc(t.name)}</a>`), '<a href="#schemas">schemas</a>'].join(" · ");
  const components = Object.entries(doc.components.schemas).map(
    ([name, schema]) => `<details id="schema-${esc(name)}"><summary><code>${esc(name)}</code></summary><pre>${esc(JSON.stringify(schema, null, 2))}</pre></details>`,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.info.title)}</title><style>${STYLE}</style></head>
<body><h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1>
<p>${esc(doc.info.description)}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${esc(doc.openapi)}). ${toc}</p>
${sections.join("\n")}
<section><h2 id="schemas">schemas</h2>${components.join("\n")}</section>
</body></html>`;
}

function renderOperation(method: string, path: string, op: OperationObject): string {
  const params = (op.parameters ?? []).map((p) => `<li><code>${esc(p.name)}</code> (${p.in}${p.required ? ", required" : ""}): ${typeHtml(p.schema)}</li>`);
  const body = op.requestBody ? Object.entries(op.requestBody.content).map(([media, m]) => `<li>${esc(media)}: ${typeHtml(m.schema)}</li>`) : [];
  const responses = Object.entries(op.responses).map(([status, r]) => {
    const codes = r["x-keel-error-codes"];
    if (codes) return `<li><b>${esc(status)}</b> error: ${esc(codes.join(", "))}</li>`;
    const media = Object.entries(r.content ?? {}).map(([type, m]) => `${esc(type)}: ${typeHtml(m.schema)}`);
    return `<li><b>${esc(status)}</b> ${esc(r.description)}${media.length > 0 ? ` — ${media.join("; ")}` : ""}</li>`;
  });
  return `<article id="${esc(op.operationId)}"><h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code> <span class="role">${esc(op["x-keel-role"])}</span></h3>
<p>${esc(op.summary)}${op.description ? `<br>${esc(op.description)}` : ""}</p>
${list("Parameters", params)}${op.requestBody?.description ? `<p>${esc(op.requestBody.description)}</p>` : ""}${list("Body", body)}${list("Responses", responses)}</article>`;
}

function list(title: string, items: string[]): string {
  return items.length === 0 ? "" : `<h4>${title}</h4><ul>${items.join("")}</ul>`;
}

/** A short reading of a schema: a link to its component, or its type (and pattern, default). */
function typeHtml(schema: JsonSchema): string {
  if (typeof schema.$ref === "string") {
    const name = schema.$ref.replace("#/components/schemas/", "");
    return `<a href="#schema-${esc(name)}">${esc(name)}</a>`;
  }
  let text = Array.isArray(schema.type) ? schema.type.join(" | ") : typeof schema.type === "string" ? schema.type : "any";
  if (Array.isArray(schema.enum)) text = schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (typeof schema.pattern === "string") text += ` matching ${schema.pattern}`;
  if (schema.default !== undefined) text += ` (default ${JSON.stringify(schema.default)})`;
  return esc(text);
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
code{font:13px ui-monospace,monospace}article{border-top:1px solid #ddd;padding:.5rem 0}h3{font-size:1rem;margin:.5rem 0}
h4{margin:.25rem 0;font-size:.85rem;color:#555}ul{margin:.25rem 0}.m{display:inline-block;min-width:4rem;font:bold 12px monospace;color:#fff;background:#555;padding:2px 6px;border-radius:3px}
.get{background:#2f6fb0}.post{background:#2e8b57}.put{background:#b8860b}.delete{background:#b03a2e}.role{font-size:12px;color:#555;border:1px solid #aaa;border-radius:3px;padding:1px 5px}
pre{background:#f6f6f6;padding:.5rem;overflow-x:auto;font-size:12px}`;
