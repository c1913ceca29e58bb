import type { OpenApiDocument, OperationObject, PathItem } from "../../worker/http/openapi/document-types";
import { checkJson, type Schema } from "./json-schema-check";

/** A request as a client sent it. */
export interface SentRequest {
  method: string;
  /** The URL path, percent-encoded as sent. */
  path: string;
  query: Record<string, string>;
  /** Headers sent, by lower-case name (only documented ones are checked). */
  headers?: Record<string, string>;
  /** The parsed JSON body, or the text of any other media type; undefined when none was sent. */
  body: unknown;
  /** The Content-Type sent; undefined without a body. */
  contentType?: string;
}

export interface RequestCheck {
  /** "METHOD /template" of the operation the request matched; null when none did. */
  operation: string | null;
  problems: string[];
}

/**
 * Checks a request against the document: its method and path name a
 * documented operation, each path parameter and query value fits its schema
 * (query values are text: numbers are read as numbers where the schema asks
 * for one), no query parameter is undocumented, and the body fits the
 * request body schema of its media type.
 */
export function checkRequest(doc: OpenApiDocument, req: SentRequest): RequestCheck {
  const root = doc as unknown as Schema;
  const method = req.method.toLowerCase() as keyof PathItem;
  const match = matchPath(doc, method, req.path);
  if (match === null) return { operation: null, problems: [`${req.method} ${req.path}: no documented operation`] };
  const { template, op, params } = match;
  const problems: string[] = [];
  for (const p of op.parameters ?? []) {
    const raw = p.in === "path" ? params[p.name] : p.in === "query" ? req.query[p.name] : req.headers?.[p.name];
    if (raw === undefined) {
      if (p.required) problems.push(`${p.in} parameter ${p.name}: required`);
      continue;
    }
    problems.push(...checkJson(p.schema, asQueryValue(p.schema, raw), root, `${p.in}.${p.name}`));
  }
  const documented = new Set((op.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name));
  for (const name of Object.keys(req.query)) if (!documented.has(name)) problems.push(`query.${name}: not a documented query parameter`);
  if (req.body !== undefined) {
    const media = (req.contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
    const content = op.requestBody?.content[media];
    if (content === undefined) problems.push(`body: the operation takes no ${media || "untyped"} body`);
    else problems.push(...checkJson(content.schema, req.body, root, "body"));
  } else if (op.requestBody?.required) problems.push("body: required");
  return { operation: `${req.method.toUpperCase()} ${template}`, problems };
}

function matchPath(doc: OpenApiDocument, method: keyof PathItem, path: string): { template: string; op: OperationObject; params: Record<string, string> } | null {
  // Literal segments win over parameters (/v1/relays/connect before /v1/relays/{name}), as in the router.
  const templates = Object.keys(doc.paths).sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0));
  for (const template of templates) {
    const op = doc.paths[template]?.[method];
    if (op === undefined) continue;
    const names: string[] = [];
    const pattern = template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{([^}]+)\}/g, (_, name: string) => {
      names.push(name);
      return "([^/]+)";
    });
    const found = new RegExp(`^${pattern}$`).exec(path);
    if (found === null) continue;
    const params = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(found[i + 1] ?? "")]));
    return { template, op, params };
  }
  return null;
}

function asQueryValue(schema: Schema, raw: string): unknown {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if ((types.includes("integer") || types.includes("number")) && raw.trim() !== "" && !Number.isNaN(Number(raw))) return Number(raw);
  if (types.includes("boolean") && (raw === "true" || raw === "false")) return raw === "true";
  return raw;
}
