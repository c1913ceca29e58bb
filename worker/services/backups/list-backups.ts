import { desc, eq } from "drizzle-orm";
import { BackupContents } from "../../../schema/steps-backup";
import type { BackupView } from "../../../schema/backup-api";
import { KeelError } from "../../../schema/errors";
import { backups, clusters } from "../../../schema/tables";
import { openDb } from "../../core/db";

/** A cluster's backups, newest first: verified ones as good, failed and deleted ones as what they are. */
export async function listBackups(d1: D1Database, cluster: string): Promise<BackupView[]> {
  const db = openDb(d1);
  const exists = await db.select({ name: clusters.name }).from(clusters).where(eq(clusters.name, cluster)).get();
  if (!exists) throw new KeelError("not_found", `cluster ${cluster} not found`);
  const rows = await db.select().from(backups).where(eq(backups.cluster, cluster)).orderBy(desc(backups.createdAt), desc(backups.id)).all();
  return rows.map((r) => ({ ...r, contents: BackupContents.parse(r.contents) }));
}
