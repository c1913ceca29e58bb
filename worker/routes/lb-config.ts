import { Hono } from "hono";
import { ClusterParams } from "../../schema/api";
import { LbConfigQuery } from "../../schema/lb-api";
import { requireRole } from "../auth/require-role";
import type { AppEnv } from "../http/app-env";
import { validate } from "../http/validate";
import { lbConfig } from "../services/clusters/lb-config";

export const lbConfigRoutes = new Hono<AppEnv>().get("/clusters/:name/lb-config", requireRole("viewer"), async (c) => {
  const { name } = validate(ClusterParams, c.req.param(), "path");
  const query = validate(LbConfigQuery, c.req.query(), "query");
  return c.json(await lbConfig(c.env.DB, name, query));
});
