import { eq } from "drizzle-orm";
import { clusterRevisions, clusters } from "../../../schema/tables";
import type { ClusterView } from "../../../schema/api";
import { openDb } from "../../core/db";
import { uniqueViolation } from "../../core/db-errors";
import { KeelError } from "../../../schema/errors";
import { appendAuditWith } from "../../core/audit-append";
import { loadSpec, type SpecSource } from "./load-spec";

export interface CreateClusterInput {
  site: string;
  spec: SpecSource;
  actor: string;
}

/** Stores a new cluster at revision 1. Nothing is stored unless the spec is valid. */
export async function createCluster(d1: D1Database, input: CreateClusterInput): Promise<ClusterView> {
  const { spec, name, source } = loadSpec(input.spec);
  const conflict = () => new KeelError("conflict", `cluster ${name} already exists`);
  const existing = await openDb(d1).select({ name: clusters.name }).from(clusters).where(eq(clusters.name, name)).get();
  if (existing) throw conflict();

  const now = Date.now();
  const row = { name, site: input.site, currentRevision: 1, appliedRevision: null, facts: null, createdAt: now, updatedAt: now };
  try {
    await appendAuditWith(
      d1,
      { actor: input.actor, action: "cluster.create", cluster: name, target: name, outcome: "ok", details: { site: input.site, revision: 1 } },
      (db) => [
        db.insert(clusters).values(row),
        db.insert(clusterRevisions).values({ cluster: name, revision: 1, source, spec, createdBy: input.actor, createdAt: now }),
      ],
    );
  } catch (err) {
    // Lost a race with another create of the same name.
    if (uniqueViolation(err) === "clusters.name") throw conflict();
    throw err;
  }
  return { ...row, spec, facts: null };
}
