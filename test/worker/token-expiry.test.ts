import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CreatedToken, TokenListResponse } from "../../schema/api";
import { call, errorOf, jsonBody, uniqueName } from "./helpers";

async function tokenRows(name: string): Promise<number> {
  return (await env.DB.prepare("SELECT COUNT(*) AS n FROM api_tokens WHERE name = ?").bind(name).first<{ n: number }>())?.n ?? 0;
}

describe("token expiry", () => {
  it("takes expiresIn (seconds) and shows expiresAt on create and in the list", async () => {
    const before = Date.now();
    const res = await call("POST", "/v1/tokens", jsonBody({ name: uniqueName("expiring"), role: "viewer", expiresIn: 3600 }));
    expect(res.status, res.text).toBe(201);
    const created = CreatedToken.parse(res.json);
    expect(created.expiresAt).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(created.expiresAt).toBeLessThanOrEqual(Date.now() + 3_600_000);
    const listed = TokenListResponse.parse((await call("GET", "/v1/tokens?limit=500")).json).tokens.find((t) => t.id === created.id);
    expect(listed?.expiresAt).toBe(created.expiresAt);
    expect((await call("GET", "/v1/clusters", { token: created.token })).status).toBe(200);
  });

  it("takes expiresAt (unix ms); without either the token never expires", async () => {
    const at = Date.now() + 86_400_000;
    const dated = CreatedToken.parse((await call("POST", "/v1/tokens", jsonBody({ name: uniqueName("dated"), role: "viewer", expiresAt: at }))).json);
    expect(dated.expiresAt).toBe(at);
    const forever = CreatedToken.parse((await call("POST", "/v1/tokens", jsonBody({ name: uniqueName("forever"), role: "viewer" }))).json);
    expect(forever.expiresAt).toBeNull();
  });

  it("refuses an expired token with 401 saying it expired", async () => {
    const created = CreatedToken.parse((await call("POST", "/v1/tokens", jsonBody({ name: uniqueName("short"), role: "operator", expiresIn: 60 }))).json);
    // Move its expiry into the past rather than waiting a minute.
    await env.DB.prepare("UPDATE api_tokens SET expires_at = ? WHERE id = ?").bind(Date.now() - 1, created.id).run();
    const res = await call("GET", "/v1/clusters", { token: created.token });
    expect(res.status).toBe(401);
    expect(errorOf(res)).toMatchObject({ code: "unauthorized" });
    expect(errorOf(res).message).toMatch(/expired/);
  });

  it("validates the expiry, naming the field, and stores nothing", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ expiresIn: 0 }, "expiresIn"],
      [{ expiresIn: -5 }, "expiresIn"],
      [{ expiresIn: 1.5 }, "expiresIn"],
      [{ expiresIn: "3600" }, "expiresIn"],
      [{ expiresIn: 20 * 365 * 86_400 }, "expiresIn"],
      [{ expiresAt: Date.now() - 1000 }, "expiresAt"],
      [{ expiresIn: 3600, expiresAt: Date.now() + 3_600_000 }, "expiresAt"],
    ];
    for (const [extra, field] of cases) {
      const name = uniqueName("bad-expiry");
      const res = await call("POST", "/v1/tokens", jsonBody({ name, role: "viewer", ...extra }));
      expect(res.status, JSON.stringify(extra)).toBe(400);
      expect(errorOf(res).details?.map((d) => d.path), JSON.stringify(extra)).toContain(field);
      expect(await tokenRows(name)).toBe(0);
    }
  });
});
