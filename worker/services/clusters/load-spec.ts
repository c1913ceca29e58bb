import { loadClusterYaml, validateClusterObject } from "../../../schema/cluster-load";
import type { ClusterSpec } from "../../../schema/cluster";
import { ClusterName } from "../../../schema/api";
import { KeelError } from "../../../schema/errors";

/** A k0sctl cluster spec as the caller sent it. */
export type SpecSource = { format: "yaml"; text: string } | { format: "json"; value: unknown };

export interface LoadedSpec {
  spec: ClusterSpec;
  name: string;
  /** What cluster_revisions.source keeps: the YAML verbatim, or the JSON object as sent. */
  source: string;
}

/**
 * Validates a spec, or throws invalid_spec with every problem's path. `${VAR}`
 * substitution sees an empty environment: the CLI substitutes locally, and the
 * Worker's own env must never leak into a spec.
 */
export function loadSpec(input: SpecSource): LoadedSpec {
  const result = input.format === "yaml" ? loadClusterYaml(input.text, {}) : validateClusterObject(input.value);
  if (!result.ok) throw invalidSpec(result.errors);
  const name = ClusterName.safeParse(result.spec.metadata.name);
  if (!name.success) throw invalidSpec(name.error.issues.map((i) => ({ path: "metadata.name", message: i.message })));
  const source = input.format === "yaml" ? input.text : JSON.stringify(input.value, null, 2);
  return { spec: result.spec, name: name.data, source };
}

function invalidSpec(errors: { path: string; message: string }[]): KeelError {
  const count = errors.length === 1 ? "1 error" : `${errors.length} errors`;
  return new KeelError("invalid_spec", `the cluster spec is invalid (${count})`, errors);
}
