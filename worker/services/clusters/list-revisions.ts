import { desc, eq } from "drizzle-orm";
import { clusterRevisions, clusters } from "../../../schema/tables";
import type { RevisionView } from "../../../schema/api";
import { openDb } from "../../core/db";
import { KeelError } from "../../../schema/errors";

/** Every revision of a cluster, newest first, with the source as it was sent. */
export async function listRevisions(d1: D1Database, name: string): Promise<RevisionView[]> {
  const db = openDb(d1);
  const exists = await db.select({ name: clusters.name }).from(clusters).where(eq(clusters.name, name)).get();
  if (!exists) throw new KeelError("not_found", `cluster ${name} not found`);
  return db
    .select({
      revision: clusterRevisions.revision,
      source: clusterRevisions.source,
      spec: clusterRevisions.spec,
      createdBy: clusterRevisions.createdBy,
      createdAt: clusterRevisions.createdAt,
    })
    .from(clusterRevisions)
    .where(eq(clusterRevisions.cluster, name))
    .orderBy(desc(clusterRevisions.revision))
    .all();
}
