import type { RunSummary } from "../../../schema/run-api";
import type { Env } from "../../core/env";
import { startRun } from "../runs/start-run";

/** Starts a backup run (k0s backup on the leader, into the relay's encrypted store); the run records the backup's metadata. */
export async function createBackup(env: Env, input: { cluster: string; actor: string }): Promise<RunSummary> {
  return startRun(env, { cluster: input.cluster, operation: "backup", requestedBy: input.actor });
}
