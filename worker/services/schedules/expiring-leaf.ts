import { and, eq, lte } from "drizzle-orm";
import { certificates } from "../../../schema/tables";
import type { Db } from "../../core/db";

/** Does the last inventory hold a leaf (non-CA) certificate of `cluster` ending by `before`? keel renews leaves only. */
export async function hasExpiringLeaf(db: Db, cluster: string, before: number): Promise<boolean> {
  const row = await db
    .select({ path: certificates.path })
    .from(certificates)
    .where(and(eq(certificates.cluster, cluster), eq(certificates.isCA, false), lte(certificates.notAfter, before)))
    .limit(1)
    .get();
  return row !== undefined;
}
