import { KeelError } from "../../../schema/errors";
import type { RunSummary } from "../../../schema/run-api";
import type { Env } from "../../core/env";
import type { StartRunInput } from "../../runs/run-rpc";

/**
 * Asks the cluster's Durable Object to start a run. The object is the lock:
 * it refuses while another run is active, so two starts can never both win.
 * The object audits the start with the run's rows; failures are audited by the route.
 */
export async function startRun(env: Env, input: StartRunInput): Promise<RunSummary> {
  const result = await env.CLUSTER.get(env.CLUSTER.idFromName(input.cluster)).startRun(input);
  if (!result.ok) throw KeelError.from(result.error);
  return result.run;
}
