import type { RunSummary } from "../../../schema/run-api";
import type { Env } from "../../core/env";
import { KeelError } from "../../../schema/errors";
import type { StartRunInput } from "../../runs/run-machine";

/**
 * Asks the cluster's Durable Object to start a run. The object is the lock:
 * it refuses while another run is active, so two starts can never both win.
 * The object audits the start with the run's rows; failures are audited by the route.
 */
export async function startRun(env: Env, input: StartRunInput): Promise<RunSummary> {
  const cluster = env.CLUSTER.get(env.CLUSTER.idFromName(input.cluster));
  const result = await cluster.startRun(input);
  if (result.ok) return result.run;
  if (result.code === "conflict") throw new KeelError("conflict", result.message);
  throw new KeelError(result.code, result.message, result.details);
}
