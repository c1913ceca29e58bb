import type { ClusterView } from "../../../schema/api";
import { openDb } from "../../core/db";
import { ApiError } from "../../http/errors";
import { readClusterView } from "../../core/cluster-view";

export async function getCluster(d1: D1Database, name: string): Promise<ClusterView> {
  const view = await readClusterView(openDb(d1), name);
  if (!view) throw new ApiError("not_found", `cluster ${name} not found`);
  return view;
}
