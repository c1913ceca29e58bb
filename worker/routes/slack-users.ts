import { Hono } from "hono";
import { MapSlackUserBody, SlackUserParams } from "../../schema/slack-api";
import { requireRole } from "../auth/require-role";
import type { AppEnv } from "../http/app-env";
import { auditFailures } from "../http/audit-failures";
import { readJsonBody } from "../http/read-body";
import { validate } from "../http/validate";
import { listSlackUsers } from "../services/slack/list-users";
import { mapSlackUser } from "../services/slack/map-user";
import { unmapSlackUser } from "../services/slack/unmap-user";

/** Which Slack users are who in keel (admin only): unmapped users' commands are refused. */
export const slackUserRoutes = new Hono<AppEnv>()
  .post("/slack/users", requireRole("admin", "slack.user.map"), auditFailures("slack.user.map"), async (c) => {
    const body = await readJsonBody(c.req.raw, MapSlackUserBody);
    return c.json({ user: await mapSlackUser(c.env.DB, { ...body, actor: c.get("actor").id }) }, 201);
  })
  .get("/slack/users", requireRole("admin"), async (c) => c.json(await listSlackUsers(c.env.DB)))
  .delete("/slack/users/:team/:user", requireRole("admin", "slack.user.unmap"), auditFailures("slack.user.unmap"), async (c) => {
    const params = validate(SlackUserParams, c.req.param(), "path");
    return c.json({ user: await unmapSlackUser(c.env.DB, { ...params, actor: c.get("actor").id }) });
  });
