import { Hono } from "hono";
import { CreateTokenBody, TokenListQuery, TokenParams } from "../../schema/api";
import { requireRole } from "../auth/require-role";
import type { AppEnv } from "../http/app-env";
import { auditFailures } from "../http/audit-failures";
import { readJsonBody } from "../http/read-body";
import { validate } from "../http/validate";
import { createToken } from "../services/tokens/create";
import { listTokens } from "../services/tokens/list";
import { revokeToken } from "../services/tokens/revoke";

export const tokenRoutes = new Hono<AppEnv>()
  .post("/tokens", requireRole("admin", "token.create"), auditFailures("token.create"), async (c) => {
    const body = await readJsonBody(c.req.raw, CreateTokenBody);
    return c.json(await createToken(c.env.DB, { ...body, actor: c.get("actor").id }), 201);
  })
  .get("/tokens", requireRole("admin"), async (c) => c.json(await listTokens(c.env.DB, validate(TokenListQuery, c.req.query(), "query"))))
  .delete("/tokens/:id", requireRole("admin", "token.revoke"), auditFailures("token.revoke"), async (c) => {
    const { id } = validate(TokenParams, c.req.param(), "path");
    return c.json({ token: await revokeToken(c.env.DB, { id, actor: c.get("actor").id }) });
  });
