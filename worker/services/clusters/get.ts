import type { ClusterView } from "../../../schema/api";
import { openDb } from "../../core/db";
import { KeelError } from "../../../schema/errors";
import { readClusterView } from "../../core/cluster-view";

export async function getCluster(d1: D1Database, name: string): Promise<ClusterView> {
  const view = await readClusterView(openDb(d1), name);
  if (!view) throw new KeelError("not_found", `cluster ${name} not found`);
  return view;
}
