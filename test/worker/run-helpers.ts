import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { RunEventsPage, RunResponse, StartRunResponse, type RunView } from "../../schema/run-api";
import { call } from "./helpers";
import { sshHost } from "./cluster-on-site";
import { waitFor } from "./relay-socket";

/** POST /v1/clusters/:name/<operation> and the new run's id. */
export async function startRun(cluster: string, operation: "facts" | "apply", query = ""): Promise<string> {
  const res = await call("POST", `/v1/clusters/${cluster}/${operation}${query}`);
  expect(res.status, res.text).toBe(202);
  return StartRunResponse.parse(res.json).run.id;
}

export async function getRun(id: string): Promise<RunView> {
  const res = await call("GET", `/v1/runs/${id}`);
  expect(res.status, res.text).toBe(200);
  return RunResponse.parse(res.json).run;
}

/** Poll until the run has ended (bounded; no timing is asserted). */
export function finished(id: string, timeoutMs = 20_000): Promise<RunView> {
  return waitFor(
    `run ${id} to finish`,
    async () => {
      const run = await getRun(id);
      return (run.status === "succeeded" || run.status === "failed" || run.status === "cancelled") && run;
    },
    timeoutMs,
  );
}

export const HOSTS = ["127.0.0.11", "127.0.0.12", "127.0.0.13"];

/** One controller and the rest workers on `addresses`: the spec section a facts run gathers from. */
export function controllerAndWorkers(addresses = HOSTS, options?: Record<string, unknown>): Record<string, unknown> {
  return { hosts: addresses.map((address, i) => sshHost(address, i === 0 ? "controller" : "worker")), ...(options ? { options } : {}) };
}

export const startFacts = (cluster: string) => startRun(cluster, "facts");

export async function events(id: string, after = 0) {
  const res = await call("GET", `/v1/runs/${id}/events?after=${after}`);
  expect(res.status, res.text).toBe(200);
  return RunEventsPage.parse(res.json);
}

export async function auditOf(runId: string) {
  const rows = await env.DB.prepare("SELECT actor, action, cluster, target, outcome FROM audit_log WHERE target = ? ORDER BY seq").bind(runId).all();
  return rows.results;
}
