import { ClusterName } from "../../../schema/api";
import { CancelRunResponse, RunEventsPage, RunEventsQuery, RunId, RunResponse, StartRunResponse } from "../../../schema/run-api";
import { json, type RouteGroup } from "./route-doc";

/** worker/routes/runs.ts. */
export const runRouteDocs: RouteGroup = {
  tag: "runs",
  description: "Runs: one operation on one cluster, as phases of steps carried out by the site's relay.",
  routes: [
    {
      method: "POST",
      path: "/v1/clusters/:name/facts",
      access: "operator",
      summary: "Start a facts run (gather what each host runs)",
      params: { name: ClusterName },
      responses: { 202: json(StartRunResponse, "the run, queued") },
      errors: ["not_found", "conflict", "invalid_spec"],
    },
    {
      method: "GET",
      path: "/v1/runs/:id",
      access: "viewer",
      summary: "Get a run with its phases and each host's step",
      params: { id: RunId },
      responses: { 200: json(RunResponse, "the run") },
      errors: ["not_found"],
    },
    {
      method: "GET",
      path: "/v1/runs/:id/events",
      access: "viewer",
      summary: "A run's events: a page, or (follow=true) a text/event-stream until the run ends",
      description:
        "With follow=true the answer is a server-sent event stream (events `run-event`, then `end` with RunStreamEnd); the Last-Event-ID header or `after` resumes it.",
      params: { id: RunId },
      query: RunEventsQuery,
      headers: { "last-event-id": RunEventsQuery.shape.after },
      responses: {
        200: { description: "a page of events (JSON), or the stream", content: { "application/json": RunEventsPage, "text/event-stream": "text" } },
      },
      errors: ["not_found"],
    },
    {
      method: "POST",
      path: "/v1/runs/:id/cancel",
      access: "operator",
      summary: "Cancel a run: it stops after the steps in flight and its cleanup",
      params: { id: RunId },
      responses: { 202: json(CancelRunResponse, "cancelling; poll the run for cancelled") },
      errors: ["not_found", "conflict"],
    },
  ],
};

