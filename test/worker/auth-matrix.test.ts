import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { CreatedRelay, type Role } from "../../schema/api";
import { ROLE_RANK } from "../../worker/auth/actor";
import { app } from "../../worker/app";
import { seedYaml } from "./fixtures";
import { call, errorOf, jsonBody, mintToken, yamlBody } from "./helpers";
import { MATRIX_CLUSTER, ROUTES, UNAUTHENTICATED_ROUTES, type RouteCase } from "./route-table";

const ROLES: Role[] = ["viewer", "operator", "admin"];
const tokens = new Map<Role, string>();
let revoked = "";

beforeAll(async () => {
  for (const role of ROLES) tokens.set(role, (await mintToken(role)).token);
  const doomed = await mintToken("admin");
  expect((await call("DELETE", `/v1/tokens/${doomed.id}`)).status).toBe(200);
  revoked = doomed.token;
  expect((await call("POST", "/v1/clusters", yamlBody(seedYaml(MATRIX_CLUSTER)))).status).toBe(201);
});

/** `undefined` sends the bootstrap admin token. */
function send(route: RouteCase, token: string | null | undefined) {
  return call(route.method, route.path, { token, ...route.body?.() });
}

const label = (r: RouteCase) => `${r.method} ${r.path} (${r.role})`;

describe("every route", () => {
  it("is in the table", () => {
    const registered = new Set(
      app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`),
    );
    const covered = new Set([...ROUTES.map((r) => `${r.method} ${r.route}`), ...UNAUTHENTICATED_ROUTES]);
    expect([...registered].filter((r) => !covered.has(r))).toEqual([]);
  });

  it.each(ROUTES.map((r) => [label(r), r] as const))("%s: 401 without a token, with a bad one, with a revoked one", async (_, route) => {
    for (const token of [null, "keel_api_not-a-real-token", revoked]) {
      const res = await send(route, token);
      expect(res.status, `token ${token === null ? "none" : token.slice(0, 12)}`).toBe(401);
      expect(errorOf(res).code).toBe("unauthorized");
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    }
  });

  it.each(ROUTES.map((r) => [label(r), r] as const))("%s: 403 below the role, through at or above it", async (_, route) => {
    for (const role of ROLES) {
      const token = tokens.get(role);
      if (!token) throw new Error(`no ${role} token`);
      const res = await send(route, token);
      if (ROLE_RANK[role] < ROLE_RANK[route.role]) {
        expect(res.status, role).toBe(403);
        expect(errorOf(res).code).toBe("forbidden");
      } else {
        expect([401, 403, 500], `${role}: ${res.status} ${res.text}`).not.toContain(res.status);
      }
    }
  });

  it("lets the bootstrap admin through everywhere", async () => {
    for (const route of ROUTES) {
      const res = await send(route, undefined);
      expect([401, 403, 500], `${label(route)}: ${res.status} ${res.text}`).not.toContain(res.status);
    }
  });

  it("does not take a relay token for an API token", async () => {
    const { token } = CreatedRelay.parse((await call("POST", "/v1/relays", jsonBody({ name: "matrix-relay-auth", site: "dc1" }))).json);
    expect((await call("GET", "/v1/clusters", { token })).status).toBe(401);
  });
});

describe("denials", () => {
  it("are audited on mutating routes with a token (403), never on reads; tokenless ones are counted (denied-requests.test.ts)", async () => {
    const before = await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE outcome = 'denied'").first<{ n: number }>();
    const viewer = tokens.get("viewer");
    await call("POST", "/v1/clusters", { token: viewer, ...yamlBody(seedYaml("denied-cluster")) });
    await call("DELETE", `/v1/clusters/${MATRIX_CLUSTER}`, { token: null });
    await call("GET", "/v1/tokens", { token: viewer });
    const rows = await env.DB.prepare("SELECT actor, action, cluster, outcome, details FROM audit_log WHERE outcome = 'denied' ORDER BY seq DESC LIMIT 1").all<{
      actor: string;
      action: string;
      cluster: string | null;
      details: string;
    }>();
    const after = await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE outcome = 'denied'").first<{ n: number }>();
    expect((after?.n ?? 0) - (before?.n ?? 0)).toBe(1);
    const [forbidden] = rows.results;
    expect(forbidden).toMatchObject({ action: "cluster.create" });
    expect(forbidden?.actor).toMatch(/^token:/);
    // The presented secret is never recorded.
    expect(JSON.stringify(rows.results)).not.toContain(viewer);
  });

  it("are audited on the one read that hands out a credential: the admin kubeconfig", async () => {
    const operator = tokens.get("operator");
    const res = await call("GET", `/v1/clusters/${MATRIX_CLUSTER}/kubeconfig`, { token: operator });
    expect(res.status).toBe(403);
    const row = await env.DB.prepare("SELECT actor, action, cluster, outcome FROM audit_log ORDER BY seq DESC LIMIT 1").first<{ actor: string; action: string; cluster: string; outcome: string }>();
    expect(row).toMatchObject({ action: "cluster.kubeconfig", cluster: MATRIX_CLUSTER, outcome: "denied" });
    expect(row?.actor).toMatch(/^token:/);
  });
});
