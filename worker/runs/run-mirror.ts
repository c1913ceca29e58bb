import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import type { BatchItem } from "drizzle-orm/batch";
import { HostFacts, type StepResult } from "../../schema/steps";
import { K0sFactsReport } from "../../schema/steps-k0s";
import { clusters, runEvents, runSteps, runs } from "../../schema/tables";
import type { Db } from "../core/db";
import type { RunEvent } from "./run-events";
import type { RunState, RunStatus } from "./run-state";

// D1 allows 100 bound parameters per statement: multi-row inserts go in chunks.
const ROWS_PER_INSERT = 6;
const IDS_PER_UPDATE = 80;

/**
 * The D1 mirror of a run, for readers (GET /runs/:id, events). The
 * ClusterObject is the only writer of a run's rows; each transition's writes
 * are collected and sent as one `db.batch()` so readers never see half of one.
 */
export class RunMirror {
  private items: BatchItem<"sqlite">[] = [];

  constructor(
    private readonly db: Db,
    private readonly runId: string,
  ) {}

  createRun(state: RunState): this {
    this.items.push(
      this.db.insert(runs).values({
        id: state.id,
        cluster: state.cluster,
        operation: state.operation,
        revision: state.revision,
        status: state.status,
        plan: state.plan,
        requestedBy: state.requestedBy,
        createdAt: state.createdAt,
      }),
    );
    return this.insertSteps(state, 0);
  }

  /** Phases appended to an active run (apply planning, cleanup): the stored plan and their step rows. */
  phasesAdded(state: RunState, fromPhase: number): this {
    this.items.push(this.db.update(runs).set({ plan: state.plan }).where(eq(runs.id, this.runId)));
    return this.insertSteps(state, fromPhase);
  }

  private insertSteps(state: RunState, fromPhase: number): this {
    const rows = state.plan.phases.slice(fromPhase).flatMap((phase) =>
      phase.steps.map((step) => ({
        runId: state.id,
        stepId: step.id,
        phase: phase.name,
        kind: step.kind,
        host: state.steps[step.id]?.host ?? `${step.host.address}:${step.host.port}`,
        status: "pending" as const,
      })),
    );
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) this.items.push(this.db.insert(runSteps).values(rows.slice(i, i + ROWS_PER_INSERT)));
    return this;
  }

  status(status: RunStatus, extra: { startedAt?: number; finishedAt?: number; error?: string | null } = {}): this {
    this.items.push(this.db.update(runs).set({ status, ...extra }).where(eq(runs.id, this.runId)));
    return this;
  }

  stepsSent(stepIds: string[], at: number): this {
    for (let i = 0; i < stepIds.length; i += IDS_PER_UPDATE) {
      const ids = stepIds.slice(i, i + IDS_PER_UPDATE);
      this.items.push(this.db.update(runSteps).set({ status: "running", startedAt: at }).where(and(eq(runSteps.runId, this.runId), inArray(runSteps.stepId, ids))));
    }
    return this;
  }

  /** Steps marked sent whose frames could not be delivered: back to pending. */
  stepsUnsent(stepIds: string[]): this {
    for (let i = 0; i < stepIds.length; i += IDS_PER_UPDATE) {
      const ids = stepIds.slice(i, i + IDS_PER_UPDATE);
      this.items.push(this.db.update(runSteps).set({ status: "pending", startedAt: null }).where(and(eq(runSteps.runId, this.runId), inArray(runSteps.stepId, ids))));
    }
    return this;
  }

  stepFinished(stepId: string, status: "succeeded" | "failed", result: StepResult, error: string | null, at: number): this {
    this.items.push(
      this.db
        .update(runSteps)
        .set({ status, exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr, command: result.command ?? null, error, finishedAt: at })
        .where(and(eq(runSteps.runId, this.runId), eq(runSteps.stepId, stepId))),
    );
    return this;
  }

  /** Steps that will never run or never report: pending ones are skipped, in-flight ones cancelled. */
  closeSteps(pending: string[], running: string[], error: string | null, at: number): this {
    for (let i = 0; i < pending.length; i += IDS_PER_UPDATE) {
      const ids = pending.slice(i, i + IDS_PER_UPDATE);
      this.items.push(this.db.update(runSteps).set({ status: "skipped" }).where(and(eq(runSteps.runId, this.runId), inArray(runSteps.stepId, ids))));
    }
    for (let i = 0; i < running.length; i += IDS_PER_UPDATE) {
      const ids = running.slice(i, i + IDS_PER_UPDATE);
      this.items.push(this.db.update(runSteps).set({ status: "cancelled", error, finishedAt: at }).where(and(eq(runSteps.runId, this.runId), inArray(runSteps.stepId, ids))));
    }
    return this;
  }

  clusterFacts(cluster: string, facts: Record<string, StoredHostFacts>): this {
    this.items.push(this.db.update(clusters).set({ facts }).where(eq(clusters.name, cluster)));
    return this;
  }

  /** The apply succeeded: its revision is what the cluster now runs. */
  clusterApplied(cluster: string, revision: number): this {
    this.items.push(this.db.update(clusters).set({ appliedRevision: revision }).where(eq(clusters.name, cluster)));
    return this;
  }

  events(events: RunEvent[]): this {
    const rows = events.map((e) => ({ runId: this.runId, ...e }));
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) this.items.push(this.db.insert(runEvents).values(rows.slice(i, i + ROWS_PER_INSERT)));
    return this;
  }

  /** Hands the collected writes to a caller that batches them with its own (the audit entry). */
  take(): BatchItem<"sqlite">[] {
    const items = this.items;
    this.items = [];
    return items;
  }

  async flush(): Promise<void> {
    const [first, ...rest] = this.items;
    this.items = [];
    if (first) await this.db.batch([first, ...rest]);
  }
}

/** What clusters.facts holds per "address:port": host facts and, once an apply gathered them, k0s facts. */
export const StoredHostFacts = HostFacts.extend({ k0s: K0sFactsReport.optional() });
export type StoredHostFacts = z.infer<typeof StoredHostFacts>;

/** Parses a clusters.facts value; written by older runs or by hand, so anything that no longer parses is dropped, not trusted. */
export function parseClusterFacts(raw: unknown): Record<string, StoredHostFacts> {
  const parsed = z.record(z.string(), StoredHostFacts).safeParse(raw ?? {});
  return parsed.success ? parsed.data : {};
}

/** The facts already stored for a cluster, so a run can merge what it learned into them. */
export async function readClusterFacts(db: Db, cluster: string): Promise<Record<string, StoredHostFacts>> {
  const row = await db.select({ facts: clusters.facts }).from(clusters).where(eq(clusters.name, cluster)).get();
  return parseClusterFacts(row?.facts);
}
