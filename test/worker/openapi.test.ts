import { beforeAll, describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../schema/errors";
import { app } from "../../worker/app";
import { ERROR_STATUS } from "../../worker/http/errors";
import { buildDocument, openApiPath } from "../../worker/http/openapi/build-document";
import { json } from "../../worker/http/openapi/route-doc";
import { z } from "zod";
import type { OpenApiDocument, OperationObject, PathItem } from "../../worker/http/openapi/document-types";
import { checkRequest } from "../openapi/check-request";
import { checkJson, KNOWN_KEYWORDS, resolveRef, subschemas, type Schema } from "../openapi/json-schema-check";
import { seedYaml } from "./fixtures";
import { call, yamlBody } from "./helpers";
import { MATRIX_CLUSTER, ROUTES, UNAUTHENTICATED_ROUTES } from "./route-table";

let doc: OpenApiDocument;
const root = () => doc as unknown as Schema;

beforeAll(async () => {
  const res = await call("GET", "/openapi.json", { token: null });
  expect(res.status).toBe(200);
  doc = res.json as OpenApiDocument;
  expect((await call("POST", "/v1/clusters", yamlBody(seedYaml(MATRIX_CLUSTER)))).status).toBe(201);
});

function operations(): { key: string; op: OperationObject }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item as PathItem).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })));
}

/** The security scheme each x-keel-role presents; public has none. */
const SCHEMES: Record<string, string | undefined> = { viewer: "bearerAuth", operator: "bearerAuth", admin: "bearerAuth", relay: "relayAuth", slack: "slackSignature", webhook: "webhookSignature" };

/** "GET /v1/things/:id" → "GET /v1/things/{id}". */
const openApiKey = (key: string) => key.replace(/ (.*)$/, (_, p: string) => ` ${openApiPath(p)}`);

function operation(key: string): OperationObject {
  const found = operations().find((o) => o.key === key);
  if (!found) throw new Error(`${key} is not in the document`);
  return found.op;
}

describe("GET /openapi.json", () => {
  it("answers without a token: an OpenAPI 3.1 document with a bearer scheme", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc["x-keel-error-status"]).toEqual(ERROR_STATUS);
  });

  it("documents every route the app registers, and no route the app lacks", () => {
    const registered = new Set(app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${openApiPath(r.path)}`));
    const documented = new Set(operations().map((o) => o.key));
    expect([...registered].filter((r) => !documented.has(r)), "routes missing from worker/http/openapi/routes-*.ts").toEqual([]);
    expect([...documented].filter((d) => !registered.has(d)), "documented routes the app does not have").toEqual([]);
  });

  it("gives each operation the role the auth matrix enforces, and the security scheme of its role", () => {
    for (const route of ROUTES) expect(operation(`${route.method} ${openApiPath(route.route)}`)["x-keel-role"], route.route).toBe(route.role);
    // Outside the matrix: no API role (signed Slack and webhook routes say which signature they take).
    for (const key of UNAUTHENTICATED_ROUTES) expect(["viewer", "operator", "admin"], key).not.toContain(operation(openApiKey(key))["x-keel-role"]);
    expect(operation("GET /v1/relays/connect")["x-keel-role"]).toBe("relay");
    for (const key of ["GET /healthz", "GET /openapi.json", "GET /docs"]) expect(operation(key)["x-keel-role"], key).toBe("public");
    for (const { key, op } of operations()) {
      const scheme = SCHEMES[op["x-keel-role"]];
      expect(op.security, key).toEqual(scheme === undefined ? [] : [{ [scheme]: [] }]);
      if (scheme !== undefined) expect(doc.components.securitySchemes[scheme], key).toBeDefined();
    }
  });

  it("lists only real error codes, each under the status worker/http/errors.ts gives it, on every operation", () => {
    for (const { key, op } of operations()) {
      expect(op.responses["500"]?.["x-keel-error-codes"], key).toEqual(["internal"]);
      for (const [status, response] of Object.entries(op.responses)) {
        for (const code of response["x-keel-error-codes"] ?? []) {
          expect(ERROR_CODES, key).toContain(code);
          expect(String(ERROR_STATUS[code as keyof typeof ERROR_STATUS]), `${key}: ${code}`).toBe(status);
        }
      }
      if (op["x-keel-role"] !== "public") expect(op.responses["401"]?.["x-keel-error-codes"], key).toEqual(["unauthorized"]);
    }
  });

  it("resolves every $ref and uses only JSON Schema keywords the tests' checker understands", () => {
    const schemas: Schema[] = [...Object.values(doc.components.schemas)];
    for (const { op } of operations()) {
      for (const p of op.parameters ?? []) schemas.push(p.schema);
      for (const m of Object.values(op.requestBody?.content ?? {})) schemas.push(m.schema);
      for (const r of Object.values(op.responses)) for (const m of Object.values(r.content ?? {})) schemas.push(m.schema);
    }
    const unknown = new Set<string>();
    for (const schema of schemas.flatMap(subschemas)) {
      for (const key of Object.keys(schema)) if (!KNOWN_KEYWORDS.has(key)) unknown.add(key);
      if (typeof schema.$ref === "string") expect(() => resolveRef(root(), schema.$ref as string)).not.toThrow();
    }
    expect([...unknown]).toEqual([]);
  });

  it("describes what each route really answers: every status and error code, and each JSON body's shape", async () => {
    for (const route of ROUTES) {
      const body = route.body?.();
      const url = new URL(route.path, "https://keel.test");
      const sent = checkRequest(doc, {
        method: route.method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        body: body?.contentType === "application/json" ? JSON.parse(String(body.body)) : body?.body,
        contentType: body?.contentType,
      });
      expect(sent.problems, `${route.method} ${route.path}`).toEqual([]);
      const res = await call(route.method, route.path, body ?? {});
      const key = `${route.method} ${openApiPath(route.route)}`;
      const documented = operation(key).responses[String(res.status)];
      expect(documented, `${key} answered ${res.status}: ${res.text.slice(0, 200)}`).toBeDefined();
      const schema = documented?.content?.["application/json"]?.schema;
      if (schema && (res.headers.get("content-type") ?? "").startsWith("application/json")) {
        expect(checkJson(schema, res.json, root()), `${key} ${res.status}`).toEqual([]);
      }
    }
  });
});

describe("the route tables", () => {
  const ok = json(z.object({ ok: z.boolean() }), "ok");
  const group = (routes: Parameters<typeof buildDocument>[0][number]["routes"]) => [{ tag: "t", description: "t", routes }];

  it("refuse an entry whose params do not name its path's :params, and a route listed twice", () => {
    expect(() => buildDocument(group([{ method: "GET", path: "/v1/things/:id", access: "viewer", summary: "s", responses: { 200: ok } }]))).toThrow(/params must name exactly :id/);
    expect(() => buildDocument(group([{ method: "GET", path: "/v1/things", access: "viewer", summary: "s", params: { id: z.string() }, responses: { 200: ok } }]))).toThrow(/params must name exactly/);
    const twice = { method: "GET", path: "/v1/things", access: "viewer", summary: "s", responses: { 200: ok } } as const;
    expect(() => buildDocument(group([twice, twice]))).toThrow(/documented twice/);
  });

  it("give signed routes their scheme and no forbidden answer", () => {
    const built = buildDocument(group([{ method: "POST", path: "/slack/commands", access: "slack", summary: "s", body: { form: z.object({ text: z.string() }) }, responses: { 200: ok } }]));
    const op = built.paths["/slack/commands"]?.post;
    expect(op?.security).toEqual([{ slackSignature: [] }]);
    expect(op?.requestBody?.content["application/x-www-form-urlencoded"]?.schema).toMatchObject({ type: "object", required: ["text"] });
    expect(Object.keys(op?.responses ?? {})).toEqual(["200", "400", "401", "413", "415", "500"]);
  });
});

describe("GET /docs", () => {
  it("is a self-contained page listing every operation, without a token", async () => {
    const res = await call("GET", "/docs", { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    for (const path of Object.keys(doc.paths)) expect(res.text).toContain(`<code>${path}</code>`);
    for (const name of Object.keys(doc.components.schemas)) expect(res.text).toContain(`id="schema-${name}"`);
    // Nothing is fetched from elsewhere: the machine running it may have no internet.
    expect(res.text).not.toMatch(/<script|(src|href)="https?:/i);
  });
});
