import { eq } from "drizzle-orm";
import type { RestoreDryRunResponse } from "../../../schema/backup-api";
import { KeelError } from "../../../schema/errors";
import type { RunSummary } from "../../../schema/run-api";
import { backups } from "../../../schema/tables";
import { appendAudit } from "../../core/audit-append";
import { openDb } from "../../core/db";
import type { Env } from "../../core/env";
import { loadRunInputs, revisionSpec } from "../../core/load-run-inputs";
import { planDryRun } from "../../planner/plan-dry-run";
import { restoreRefusals } from "../../planner/restore-refusals";
import { backupAddresses, type RestoreSource } from "../../planner/restore-source";
import { startRun } from "../runs/start-run";

export interface RestoreInput {
  cluster: string;
  actor: string;
  backup: string;
  reset: string | undefined;
  dryRun: boolean;
  /** Seconds, bounding each readiness wait of the run. */
  timeout?: number | undefined;
}

/**
 * Restores a backup onto its cluster. What makes it unsafe is refused here
 * already, against the stored facts (the run checks again against what it
 * gathers): another cluster's backup, a failed or deleted one, controllers or
 * externalAddress that moved, k0s installed without `reset` naming the
 * cluster. The dry run plans and touches nothing.
 */
export async function restoreBackup(env: Env, input: RestoreInput): Promise<{ run: RunSummary } | RestoreDryRunResponse> {
  const db = openDb(env.DB);
  const loaded = await loadRunInputs(db, input.cluster);
  if (!loaded.ok) throw KeelError.from(loaded.error);
  const row = await db.select().from(backups).where(eq(backups.id, input.backup)).get();
  if (!row) throw new KeelError("not_found", `backup ${input.backup} not found`, [{ path: "backup", message: "no such backup (keel backup list NAME)" }]);
  const taken = await revisionSpec(db, row.cluster, row.revision);
  if (!taken.success) throw new KeelError("conflict", `the spec backup ${row.id} was taken under (cluster ${row.cluster} revision ${row.revision}) is gone or no longer validates: its addresses cannot be checked`);
  const source: RestoreSource = {
    backup: { id: row.id, cluster: row.cluster, status: row.status, error: row.error, sha256: row.sha256, addresses: backupAddresses(taken.data) },
    reset: input.reset ?? null,
  };
  const refused = restoreRefusals(input.cluster, loaded.inputs.spec, source, loaded.inputs.facts);
  if (refused.length > 0) {
    const code = refused.some((i) => i.path === "reset") && refused.every((i) => i.path === "reset") ? "conflict" : "plan_refused";
    throw new KeelError(code, `cannot restore backup ${row.id} onto cluster ${input.cluster}: ${refused.map((i) => `${i.path}: ${i.message}`).join("; ")}`, refused);
  }
  const waitTimeoutMs = input.timeout !== undefined ? input.timeout * 1000 : undefined;
  if (input.dryRun) {
    const planned = planDryRun("restore", loaded.inputs, { restore: source, ...(waitTimeoutMs !== undefined ? { waitTimeoutMs } : {}) });
    if (!planned.ok) throw new KeelError("plan_refused", `cannot plan the restore of backup ${row.id}: ${planned.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`, planned.issues);
    await appendAudit(env.DB, { actor: input.actor, action: "cluster.restore.dry_run", cluster: input.cluster, target: row.id, outcome: "ok", details: { backup: row.id, sha256: row.sha256, phases: planned.plan.phases.length } });
    return { dryRun: true, plan: { phases: planned.plan.phases }, warnings: planned.plan.warnings };
  }
  return { run: await startRun(env, { cluster: input.cluster, operation: "restore", requestedBy: input.actor, restore: source, waitTimeoutMs }) };
}
