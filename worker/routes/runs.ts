import { Hono } from "hono";
import { ClusterName } from "../../schema/api";
import { RunEventsQuery, RunId } from "../../schema/run-api";
import { requireRole } from "../auth/require-role";
import type { AppEnv } from "../http/app-env";
import { auditFailures } from "../http/audit-failures";
import { validate } from "../http/validate";
import { getRun } from "../services/runs/get-run";
import { listRunEvents } from "../services/runs/list-run-events";
import { startRun } from "../services/runs/start-run";

/** Runs: start one (facts for now), read its phases and hosts, poll its events. */
export const runRoutes = new Hono<AppEnv>()
  .post("/clusters/:name/facts", requireRole("operator", "run.start"), auditFailures("run.start"), async (c) => {
    const cluster = validate(ClusterName, c.req.param("name"), "cluster name");
    const run = await startRun(c.env, { cluster, operation: "facts", requestedBy: c.get("actor").id });
    return c.json({ run }, 202);
  })
  .get("/runs/:id", requireRole("viewer"), async (c) => {
    const id = validate(RunId, c.req.param("id"), "run id");
    return c.json({ run: await getRun(c.env.DB, id) });
  })
  .get("/runs/:id/events", requireRole("viewer"), async (c) => {
    const id = validate(RunId, c.req.param("id"), "run id");
    const query = validate(RunEventsQuery, c.req.query(), "query");
    return c.json(await listRunEvents(c.env.DB, id, query));
  });
