import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CreatedToken, TokenListResponse, TokenResponse } from "../../schema/api";
import { sha256Hex } from "../../worker/core/secrets";
import { call, dumpDatabase, errorOf, jsonBody, mintToken } from "./helpers";

describe("POST /v1/tokens", () => {
  it("shows the secret once and stores only its hash", async () => {
    const res = await call("POST", "/v1/tokens", jsonBody({ name: "ci-bot", role: "operator" }));
    expect(res.status, res.text).toBe(201);
    const created = CreatedToken.parse(res.json);
    expect(created).toMatchObject({ name: "ci-bot", role: "operator" });
    expect(created.token).toMatch(/^keel_api_[A-Za-z0-9_-]{40,}$/);

    const hash = await sha256Hex(created.token);
    const row = await env.DB.prepare("SELECT token_hash, created_by FROM api_tokens WHERE id = ?").bind(created.id).first();
    expect(row).toEqual({ token_hash: hash, created_by: "bootstrap" });
    expect(await dumpDatabase()).not.toContain(created.token);

    const list = await call("GET", "/v1/tokens");
    expect(list.text).not.toContain(created.token);
    expect(list.text).not.toContain(hash);
    const listed = TokenListResponse.parse(list.json).tokens.find((t) => t.id === created.id);
    expect(listed).toMatchObject({ name: "ci-bot", role: "operator", revokedAt: null });
    expect(listed).not.toHaveProperty("tokenHash");
  });

  it("authenticates with the new token at its role, and records when it was used", async () => {
    const { id, token } = await mintToken("viewer");
    expect((await call("GET", "/v1/clusters", { token })).status).toBe(200);
    expect((await call("GET", "/v1/tokens", { token })).status).toBe(403);
    const row = await env.DB.prepare("SELECT last_used_at FROM api_tokens WHERE id = ?").bind(id).first<{ last_used_at: number | null }>();
    expect(row?.last_used_at).toBeGreaterThan(0);
  });

  it("validates the body, naming the field", async () => {
    const badRole = await call("POST", "/v1/tokens", jsonBody({ name: "x", role: "root" }));
    expect(badRole.status).toBe(400);
    expect(errorOf(badRole).details?.map((d) => d.path)).toEqual(["role"]);
    const badName = await call("POST", "/v1/tokens", jsonBody({ name: "-x-", role: "viewer" }));
    expect(errorOf(badName).details?.map((d) => d.path)).toEqual(["name"]);
    const extra = await call("POST", "/v1/tokens", jsonBody({ name: "x", role: "viewer", token: "mine" }));
    expect(extra.status).toBe(400);
    const wrongType = await call("POST", "/v1/tokens", { body: "name=x", contentType: "application/x-www-form-urlencoded" });
    expect(wrongType.status).toBe(415);
  });
});

describe("DELETE /v1/tokens/:id", () => {
  it("revokes: the token gets 401 from then on, and stays listed as revoked", async () => {
    const { id, token } = await mintToken("admin");
    expect((await call("GET", "/v1/tokens", { token })).status).toBe(200);
    const res = await call("DELETE", `/v1/tokens/${id}`);
    expect(res.status, res.text).toBe(200);
    expect(TokenResponse.parse(res.json).token.revokedAt).toBeGreaterThan(0);
    const after = await call("GET", "/v1/tokens", { token });
    expect(after.status).toBe(401);
    expect(after.headers.get("www-authenticate")).toMatch(/^Bearer/);
    const listed = TokenListResponse.parse((await call("GET", "/v1/tokens")).json).tokens.find((t) => t.id === id);
    expect(listed?.revokedAt).toBeGreaterThan(0);
    // Revoking again is harmless.
    expect((await call("DELETE", `/v1/tokens/${id}`)).status).toBe(200);
  });

  it("answers 404 for an unknown id", async () => {
    const res = await call("DELETE", `/v1/tokens/${crypto.randomUUID()}`);
    expect(res.status).toBe(404);
    expect(errorOf(res).code).toBe("not_found");
  });

  it("answers 400 naming the id when it is not a token id", async () => {
    const res = await call("DELETE", "/v1/tokens/does-not-exist");
    expect(res.status).toBe(400);
    const error = errorOf(res);
    expect(error.code).toBe("validation_failed");
    expect(error.details?.map((d) => d.path)).toEqual(["id"]);
  });
});
