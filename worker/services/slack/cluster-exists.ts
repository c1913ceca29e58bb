import { eq } from "drizzle-orm";
import { KeelError } from "../../../schema/errors";
import { clusters } from "../../../schema/tables";
import { openDb } from "../../core/db";

export async function requireCluster(d1: D1Database, name: string): Promise<void> {
  const row = await openDb(d1).select({ name: clusters.name }).from(clusters).where(eq(clusters.name, name)).get();
  if (!row) throw new KeelError("not_found", `cluster ${name} not found`);
}
