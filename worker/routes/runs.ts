import { Hono } from "hono";
import { ClusterName } from "../../schema/api";
import { RunEventsQuery, RunId } from "../../schema/run-api";
import { requireRole } from "../auth/require-role";
import type { AppEnv } from "../http/app-env";
import { auditFailures } from "../http/audit-failures";
import { validate } from "../http/validate";
import { cancelRun } from "../services/runs/cancel-run";
import { followRunEvents } from "../services/runs/follow-run-events";
import { getRun } from "../services/runs/get-run";
import { listRunEvents } from "../services/runs/list-run-events";
import { startRun } from "../services/runs/start-run";

/** Runs: start a facts run, read a run's phases and hosts, poll or follow its events, cancel it. */
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
    if (!query.follow) return c.json(await listRunEvents(c.env.DB, id, query));
    const lastEventId = validate(RunEventsQuery.shape.after, c.req.header("last-event-id") ?? query.after, "Last-Event-ID header");
    const stream = await followRunEvents(c.env.DB, id, lastEventId);
    return c.body(stream, 200, { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store", "X-Accel-Buffering": "no" });
  })
  .post("/runs/:id/cancel", requireRole("operator", "run.cancel"), auditFailures("run.cancel"), async (c) => {
    const id = validate(RunId, c.req.param("id"), "run id");
    return c.json({ run: await cancelRun(c.env, { id, actor: c.get("actor").id }) }, 202);
  });
