import type { ClusterView } from "../../../schema/api";
import { openDb } from "../../core/db";
import { KeelError } from "../../../schema/errors";
import { readClusterView } from "../../core/cluster-view";
import { redactSpec } from "./redact-spec";

/** A cluster with its current spec; `redact` (a viewer) hides the values that may be secrets. */
export async function getCluster(d1: D1Database, name: string, opts: { redact: boolean }): Promise<ClusterView> {
  const view = await readClusterView(openDb(d1), name);
  if (!view) throw new KeelError("not_found", `cluster ${name} not found`);
  return opts.redact ? { ...view, spec: redactSpec(view.spec) } : view;
}
