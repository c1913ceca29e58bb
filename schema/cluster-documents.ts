import { K0SCTL_API_VERSION } from "./cluster";
import type { SpecIssue } from "./cluster-issues";
import { K0S_CONFIG_API_VERSION } from "./cluster-k0s";
import { isRecord } from "./yaml-safe";

/**
 * Puts the documents of one or more k0sctl.yaml files together into the one
 * object the schema validates, as k0sctl does: the k0sctl Cluster document
 * is the spec, k0s ClusterConfig documents merge into `spec.k0s.config` (in
 * order, later documents winning), and every other document with an
 * apiVersion and kind is a manifest applied after install (`spec.manifests`).
 */

export interface SourceDocument {
  value: unknown;
  /** Where it came from, for messages: "document 2" or "file 2, document 1". */
  label: string;
}

export type Assembled = { ok: true; cluster: unknown } | { ok: false; errors: SpecIssue[] };

// k0sctl compares apiVersion and kind with strings.EqualFold (pkg/manifest/reader.go).
function sameText(value: unknown, expected: string): boolean {
  return typeof value === "string" && value.toLowerCase() === expected.toLowerCase();
}

function isClusterConfig(doc: Record<string, unknown>): boolean {
  // The seed article writes kind: Cluster for its k0s document; k0s itself says ClusterConfig.
  return sameText(doc.apiVersion, K0S_CONFIG_API_VERSION) && (sameText(doc.kind, "ClusterConfig") || sameText(doc.kind, "Cluster"));
}

export function assembleCluster(documents: SourceDocument[]): Assembled {
  const errors: SpecIssue[] = [];
  const clusters: SourceDocument[] = [];
  const configs: Record<string, unknown>[] = [];
  const manifests: Record<string, unknown>[] = [];
  const others: SourceDocument[] = [];
  for (const doc of documents) {
    if (doc.value === null || doc.value === undefined) continue;
    const value = doc.value;
    if (!isRecord(value)) {
      errors.push({ path: `(${doc.label})`, message: `expected a mapping (apiVersion, kind, …), got ${Array.isArray(value) ? "a list" : typeof value}` });
    } else if (sameText(value.apiVersion, K0SCTL_API_VERSION)) {
      clusters.push(doc);
    } else if (isClusterConfig(value)) {
      // Matched case-insensitively like k0sctl; k0s gets the spelling it knows.
      configs.push({ ...value, apiVersion: K0S_CONFIG_API_VERSION, kind: sameText(value.kind, "Cluster") ? "Cluster" : "ClusterConfig" });
    } else if (typeof value.apiVersion === "string" && typeof value.kind === "string") {
      manifests.push(value);
    } else {
      others.push(doc);
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  if (clusters.length > 1) {
    return { ok: false, errors: [{ path: `(${clusters[1]?.label ?? "document"})`, message: `a second k0sctl Cluster document (the first is ${clusters[0]?.label}): give exactly one` }] };
  }
  // A lone document that is not a k0sctl Cluster is most likely one with a typo in
  // apiVersion: hand it to the schema, whose error names the field.
  const main = clusters[0] ?? (others.length === 1 && manifests.length === 0 && configs.length === 0 ? others[0] : undefined);
  if (main === undefined) {
    if (others[0] !== undefined) return { ok: false, errors: [{ path: `(${others[0].label})`, message: "has no apiVersion and kind" }] };
    return { ok: false, errors: [{ path: "(root)", message: `no k0sctl Cluster document (apiVersion: ${K0SCTL_API_VERSION}, kind: Cluster)` }] };
  }
  if (others.length > 0 && main !== others[0]) {
    return { ok: false, errors: [{ path: `(${others[0]?.label})`, message: "has no apiVersion and kind" }] };
  }
  return { ok: true, cluster: withExtras(main.value, configs, manifests) };
}

function withExtras(cluster: unknown, configs: Record<string, unknown>[], manifests: Record<string, unknown>[]): unknown {
  if (!isRecord(cluster) || !isRecord(cluster.spec) || (configs.length === 0 && manifests.length === 0)) return cluster;
  const spec = { ...cluster.spec };
  if (configs.length > 0) {
    const k0s = spec.k0s ?? {};
    // A non-mapping k0s is left alone for the schema to report.
    if (isRecord(k0s)) {
      spec.k0s = { ...k0s, config: configs.reduce<unknown>((merged, doc) => deepMerge(merged, doc), k0s.config ?? {}) };
    }
  }
  if (manifests.length > 0) {
    const existing = spec.manifests ?? [];
    if (Array.isArray(existing)) spec.manifests = [...existing, ...manifests];
  }
  return { ...cluster, spec };
}

/** Mappings merge key by key; anything else in `over` replaces what `base` had. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isRecord(base) || !isRecord(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    out[key] = Object.hasOwn(base, key) ? deepMerge(base[key], value) : value;
  }
  return out;
}

/**
 * Drops mapping keys whose value is null. Go's decoder leaves a struct field
 * at its zero value for `key:` with nothing after it, so k0sctl accepts
 * `options:` or `files:` left empty; so does keel. Depth is already bounded.
 */
export function withoutNullFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNullFields);
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v !== null) out[key] = withoutNullFields(v);
  }
  return out;
}
