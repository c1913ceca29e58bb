import type { Env } from "../core/env";
import type { RunEvent } from "../runs/run-events";
import type { RunReport } from "../../schema/step-reports";
import { phaseOutcome } from "./run-outcome";
import type { RunProgressNote } from "./notify-types";

const DAY_MS = 86_400_000;
/** A leaf certificate this close to its end is worth telling people about (k0s renews nothing by itself). */
export const CERTIFICATE_WARNING_MS = 30 * DAY_MS;

export interface WrittenRun {
  id: string;
  cluster: string;
  operation: string;
  requestedBy: string;
}

/**
 * The run engine's one hook into notifications: after the driver's D1 mirror
 * write succeeded, the events and reports it just wrote are handed to the
 * cluster's NotifyObject (which stores them durably before sending). Only what
 * people want to hear about goes: phase ends, the run's end, expiring leaves,
 * failed backups. Never throws: notifications must not stall a run.
 */
export async function handRunEvents(env: Env, run: WrittenRun, events: readonly RunEvent[], reports: readonly RunReport[], now: number): Promise<void> {
  const phases = events.filter((e) => e.type === "phase.finished" || e.type === "phase.skipped").map(phaseOutcome);
  const finished = events.some((e) => e.type === "run.finished");
  const expiringCertificates = reports.flatMap((r) =>
    r.report.kind === "certificates" ? r.report.certificates.filter((c) => !c.isCA && c.notAfter - now < CERTIFICATE_WARNING_MS).map((c) => ({ host: r.host, path: c.path, notAfter: c.notAfter })) : [],
  );
  const failedBackups = reports.flatMap((r) => (r.report.kind === "backup" && r.report.status === "failed" ? [{ id: r.report.id, error: r.report.error ?? null }] : []));
  if (phases.length === 0 && !finished && expiringCertificates.length === 0 && failedBackups.length === 0) return;
  const note: RunProgressNote = { runId: run.id, cluster: run.cluster, operation: run.operation, requestedBy: run.requestedBy, phases, finished, expiringCertificates, failedBackups };
  try {
    await env.NOTIFY.get(env.NOTIFY.idFromName(run.cluster)).runProgress(note);
  } catch (err) {
    console.error(`run ${run.id}: could not hand events to notifications:`, err);
  }
}
