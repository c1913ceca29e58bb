import { ErrorResponse } from "../../../schema/api";
import { ERROR_STATUS } from "../errors";
import type { JsonSchema, OpenApiDocument, OperationObject, ParameterObject, PathItem, ResponseObject } from "./document-types";
import { errorResponses, routeErrorCodes } from "./error-responses";
import { JsonSchemas } from "./json-schemas";
import type { RouteAccess, RouteDoc, RouteGroup } from "./route-doc";
import { ROUTE_GROUPS } from "./route-docs";

const DESCRIPTION = `keel is a control plane for k0s clusters. Every error answers with one body,
\`{"error":{"code","message","details?"}}\`; clients switch on \`code\` (the table
\`x-keel-error-status\` gives each code's HTTP status). An operation's
\`x-keel-role\` is the least role its token needs: viewer < operator < admin.`;

const SECURITY_SCHEMES: OpenApiDocument["components"]["securitySchemes"] = {
  bearerAuth: {
    type: "http",
    scheme: "bearer",
    description: "An API token (POST /v1/tokens) or the bootstrap admin token. Its role must reach the operation's x-keel-role.",
  },
  relayAuth: {
    type: "http",
    scheme: "bearer",
    description: "A relay's own token (POST /v1/relays): only GET /v1/relays/connect takes it, and it is no API token.",
  },
  slackSignature: {
    type: "apiKey",
    in: "header",
    name: "X-Slack-Signature",
    description: "Slack's v0 HMAC-SHA256 of the raw body with the app's signing secret, with X-Slack-Request-Timestamp.",
  },
  webhookSignature: {
    type: "apiKey",
    in: "header",
    name: "webhook-signature",
    description: "An HMAC-SHA256 signature of the raw body (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature).",
  },
};

/** The security scheme each kind of caller presents. */
const SECURITY: Record<RouteAccess, Record<string, string[]>[]> = {
  viewer: [{ bearerAuth: [] }],
  operator: [{ bearerAuth: [] }],
  admin: [{ bearerAuth: [] }],
  relay: [{ relayAuth: [] }],
  slack: [{ slackSignature: [] }],
  webhook: [{ webhookSignature: [] }],
  public: [],
};

let built: OpenApiDocument | undefined;

/** The document, built once per isolate: it depends on code only. */
export function openApiDocument(): OpenApiDocument {
  built ??= buildDocument(ROUTE_GROUPS);
  return built;
}

export function buildDocument(groups: readonly RouteGroup[]): OpenApiDocument {
  const schemas = new JsonSchemas();
  const paths: Record<string, PathItem> = {};
  const operationIds = new Set<string>();
  for (const group of groups) {
    for (const route of group.routes) {
      const template = openApiPath(route.path);
      const method = route.method.toLowerCase() as keyof PathItem;
      const item = (paths[template] ??= {});
      if (item[method] !== undefined) throw new Error(`openapi: ${route.method} ${route.path} is documented twice`);
      const operation = buildOperation(route, group.tag, schemas);
      if (operationIds.has(operation.operationId)) throw new Error(`openapi: two routes make operationId ${operation.operationId}`);
      operationIds.add(operation.operationId);
      item[method] = operation;
    }
  }
  return {
    openapi: "3.1.0",
    info: { title: "keel API", version: "v1", description: DESCRIPTION },
    tags: groups.map((g) => ({ name: g.tag, description: g.description })),
    paths,
    components: { securitySchemes: SECURITY_SCHEMES, schemas: schemas.components },
    "x-keel-error-status": { ...ERROR_STATUS },
  };
}

function buildOperation(route: RouteDoc, tag: string, schemas: JsonSchemas): OperationObject {
  const headers = Object.entries(route.headers ?? {}).map(([name, schema]): ParameterObject => ({ name, in: "header", required: false, schema: schemas.inline(schema, "input") }));
  const parameters = [...pathParameters(route, schemas), ...queryParameters(route, schemas), ...headers];
  const responses: Record<string, ResponseObject> = {};
  for (const [status, doc] of Object.entries(route.responses)) {
    const content = doc.content && Object.fromEntries(Object.entries(doc.content).map(([media, schema]) => [media, { schema: schema === "text" ? { type: "string" } : schemas.ref(schema, "output") }]));
    responses[status] = { description: doc.description, ...(content ? { content } : {}) };
  }
  Object.assign(responses, errorResponses(routeErrorCodes(route), schemas.ref(ErrorResponse, "output")));
  return {
    operationId: operationId(route),
    summary: route.summary,
    ...(route.description !== undefined ? { description: route.description } : {}),
    tags: [tag],
    "x-keel-role": route.access,
    security: SECURITY[route.access],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body ? { requestBody: requestBody(route.body, schemas) } : {}),
    responses,
  };
}

function requestBody(body: NonNullable<RouteDoc["body"]>, schemas: JsonSchemas): NonNullable<OperationObject["requestBody"]> {
  const content: Record<string, { schema: JsonSchema }> = {};
  if (body.json) content["application/json"] = { schema: schemas.ref(body.json, "input") };
  if (body.form) content["application/x-www-form-urlencoded"] = { schema: schemas.ref(body.form, "input") };
  for (const media of body.text ?? []) content[media] = { schema: { type: "string" } };
  return { required: true, ...(body.description !== undefined ? { description: body.description } : {}), content };
}

function pathParameters(route: RouteDoc, schemas: JsonSchemas): ParameterObject[] {
  const names = pathParamNames(route.path);
  const given = Object.keys(route.params ?? {});
  const missing = names.filter((n) => !given.includes(n));
  const extra = given.filter((n) => !names.includes(n));
  if (missing.length > 0 || extra.length > 0) throw new Error(`openapi: ${route.method} ${route.path}: params must name exactly :${names.join(", :")} (got ${given.join(", ") || "none"})`);
  return Object.entries(route.params ?? {}).map(([name, schema]) => ({ name, in: "path", required: true, schema: schemas.inline(schema, "input") }));
}

function queryParameters(route: RouteDoc, schemas: JsonSchemas): ParameterObject[] {
  if (route.query === undefined) return [];
  const object = schemas.inline(route.query, "input");
  const properties = object.properties as Record<string, JsonSchema> | undefined;
  if (object.type !== "object" || properties === undefined) throw new Error(`openapi: ${route.method} ${route.path}: query must be a z.object`);
  const required = new Set((object.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, schema]) => ({ name, in: "query", required: required.has(name), schema }));
}

/** Hono's `/clusters/:name` (or `:name{regex}`) → OpenAPI's `/clusters/{name}`. */
export function openApiPath(honoPath: string): string {
  return honoPath.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, "{$1}");
}

function pathParamNames(honoPath: string): string[] {
  return [...honoPath.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] ?? "");
}

/** `POST /v1/clusters/:name/apply` → `postClustersByNameApply`: stable, unique, readable in generated clients. */
function operationId(route: RouteDoc): string {
  const words = route.path
    .split("/")
    .filter((s) => s !== "" && s !== "v1")
    .flatMap((s) => (s.startsWith(":") ? ["by", s.slice(1).replace(/\{.*$/, "")] : s.split(/[-.]/)));
  return route.method.toLowerCase() + words.map((w) => (w[0] ?? "").toUpperCase() + w.slice(1)).join("");
}
