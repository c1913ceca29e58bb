import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../../worker/app";
import { ADMIN_TOKEN, call, errorOf } from "./helpers";

describe("app", () => {
  it("answers /healthz without a token", async () => {
    const res = await call("GET", "/healthz", { token: null });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true });
  });

  it("answers unknown routes with the JSON error body", async () => {
    const res = await call("GET", "/v1/nope");
    expect(res.status).toBe(404);
    expect(errorOf(res).code).toBe("not_found");
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  });

  it("refuses to serve with a misconfigured env, naming the variable but not its value", async () => {
    const ctx = createExecutionContext();
    const res = await app.fetch(new Request("https://keel.test/v1/clusters", { headers: { Authorization: "Bearer short" } }), { ...env, KEEL_ADMIN_TOKEN: "short" }, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).toContain("KEEL_ADMIN_TOKEN");
    expect(text).not.toContain('"short"');
    // The short token must not have let anyone in on the way.
    expect(JSON.parse(text)).toMatchObject({ error: { code: "internal" } });
  });

  it("does not accept a token that only shares a prefix with the admin token", async () => {
    expect((await call("GET", "/v1/clusters", { token: ADMIN_TOKEN.slice(0, -1) })).status).toBe(401);
    expect((await call("GET", "/v1/clusters", { token: `${ADMIN_TOKEN}x` })).status).toBe(401);
    expect((await call("GET", "/v1/clusters", { headers: { Authorization: `Basic ${ADMIN_TOKEN}` }, token: null })).status).toBe(401);
  });

  it("hides internal errors", async () => {
    const ctx = createExecutionContext();
    const broken = { ...env, DB: undefined as unknown as D1Database };
    const res = await app.fetch(new Request("https://keel.test/v1/clusters", { headers: { Authorization: "Bearer keel_api_x" } }), broken, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body).toEqual({ error: { code: "internal", message: "internal error" } });
  });
});
