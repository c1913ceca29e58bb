import { expect } from "vitest";
import { RunResponse, StartRunResponse, type RunView } from "../../schema/run-api";
import { call } from "./helpers";
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
