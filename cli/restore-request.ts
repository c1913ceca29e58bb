import { z } from "zod";
import type { ApiClient } from "./api-client";
import { EXIT_OK, type CliIo } from "./command";
import { formatPlan } from "./print-plan";
import { PlanView, StartedRun } from "./responses";
import { watchRun } from "./watch-run";

const RestoreDryRun = z.object({ dryRun: z.literal(true), plan: PlanView, warnings: z.array(z.string()) });
const RestoreResponse = z.union([RestoreDryRun, StartedRun]);

/** POST /restore and follow the run (or print the dry run's plan): shared by `keel restore` and `keel apply --restore-from`. */
export async function requestRestore(client: ApiClient, cluster: string, req: { backup: string; reset: string | undefined; dryRun: boolean; timeout?: number | undefined }, io: CliIo): Promise<number> {
  const body = { backup: req.backup, ...(req.reset !== undefined ? { reset: req.reset } : {}), dryRun: req.dryRun, ...(req.timeout !== undefined ? { timeout: req.timeout } : {}) };
  const res = await client.json("POST", `/v1/clusters/${encodeURIComponent(cluster)}/restore`, RestoreResponse, { body });
  if ("dryRun" in res) {
    for (const w of res.warnings) io.err(`warning: ${w}`);
    for (const line of [`Dry run of the restore of backup ${req.backup} onto ${cluster}: no host was touched.`, "", ...formatPlan(res.plan)]) io.out(line);
    return EXIT_OK;
  }
  return watchRun(client, res.run.id, io);
}
