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
 * D1 refuses a row over 2,000,000 bytes (SQLITE_TOOBIG, which would be a 500
 * after all the parsing work): a revision row holds the source and the spec's
 * JSON, so together they must fit with room for the other columns.
 */
export const MAX_REVISION_BYTES = 1_900_000;

/**
 * Validates a spec, or throws invalid_spec with every problem's path, or
 * payload_too_large if the revision could not be stored. `${VAR}`
 * substitution sees an empty environment: the CLI substitutes locally, and the
 * Worker's own env must never leak into a spec.
 */
export function loadSpec(input: SpecSource): LoadedSpec {
  const result = input.format === "yaml" ? loadClusterYaml(input.text, {}) : validateClusterObject(input.value);
  if (!result.ok) throw invalidSpec(result.errors);
  const name = ClusterName.safeParse(result.spec.metadata.name);
  if (!name.success) throw invalidSpec(name.error.issues.map((i) => ({ path: "metadata.name", message: i.message })));
  const source = input.format === "yaml" ? input.text : JSON.stringify(input.value, null, 2);
  checkStoredSize(source, result.spec);
  return { spec: result.spec, name: name.data, source };
}

function checkStoredSize(source: string, spec: ClusterSpec): void {
  const encoder = new TextEncoder();
  // What cluster_revisions.spec will hold: the spec with defaults applied, as JSON.
  const specBytes = encoder.encode(JSON.stringify(spec)).byteLength;
  const total = specBytes + encoder.encode(source).byteLength;
  if (total <= MAX_REVISION_BYTES) return;
  const message = `the source (as sent) and the validated spec (as JSON, defaults applied) take ${total} bytes together; a revision can hold at most ${MAX_REVISION_BYTES}: shorten the spec, or keep large files on the relay (files[].src) instead of inline`;
  throw new KeelError("payload_too_large", message, [{ path: "spec", message: `stored size ${total} bytes is over ${MAX_REVISION_BYTES}` }]);
}

function invalidSpec(errors: { path: string; message: string }[]): KeelError {
  const count = errors.length === 1 ? "1 error" : `${errors.length} errors`;
  return new KeelError("invalid_spec", `the cluster spec is invalid (${count})`, errors);
}
