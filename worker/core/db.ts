import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import * as tables from "../../schema/tables";

export type Db = DrizzleD1Database<typeof tables>;

/** Drizzle over the D1 binding; cheap, so services make one per call. */
export function openDb(d1: D1Database): Db {
  return drizzle(d1, { schema: tables });
}
