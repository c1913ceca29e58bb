import { existsSync, readFileSync } from "node:fs";
import { HOST, fail } from "./host";
import { YamlError, goType, isMap, parseYamlDocs } from "./yaml";

// The k0s config (ClusterConfig): what k0s checks of it, and the part of it a
// running k0s keeps in its runtime config.

export const CONFIG_API_VERSION = "k0s.k0sproject.io/v1beta1";

/** What the stand-in needs of a config, with k0s's defaults filled in. */
export interface NodeConfig {
  storageType: string;
  peerAddress: string;
  apiAddress: string;
  apiPort: number;
  k0sApiPort: number;
}

type Mapping = Record<string, unknown>;

/** Loads and checks a config like k0s; without a file, k0s's defaults. */
export function loadClusterConfig(file: string | undefined): NodeConfig {
  if (file === undefined) return nodeConfigOf({});
  if (!existsSync(file)) fail(`failed to read config: open ${file}: no such file or directory`);
  let docs: unknown[];
  try {
    docs = parseYamlDocs(readFileSync(file, "utf8"));
  } catch (err) {
    if (err instanceof YamlError) fail(`failed to decode config: ${err.message}`);
    throw err;
  }
  const doc = docs[0] ?? {};
  if (!isMap(doc)) fail(`failed to decode config: error unmarshaling JSON: json: cannot unmarshal ${goType(doc)} into Go value of type v1beta1.ClusterConfig`);
  if (doc.apiVersion !== CONFIG_API_VERSION) fail(`invalid config: apiVersion must be "${CONFIG_API_VERSION}", got ${JSON.stringify(doc.apiVersion ?? "")}`);
  // The seed article writes `kind: Cluster`; k0s itself says ClusterConfig.
  if (doc.kind !== "ClusterConfig" && doc.kind !== "Cluster") fail(`invalid config: kind must be "ClusterConfig", got ${JSON.stringify(doc.kind ?? "")}`);
  const struct = (v: unknown, field: string, type: string): Mapping => {
    if (v !== undefined && v !== null && !isMap(v)) fail(`failed to decode config: json: cannot unmarshal ${goType(v)} into Go struct field ${type}.${field} of type v1beta1.${type.replace(/^ClusterConfig$/, "ClusterSpec")}`);
    return isMap(v) ? v : {};
  };
  const spec = struct(doc.spec, "spec", "ClusterConfig");
  const api = struct(spec.api, "spec.api", "APISpec");
  const storage = struct(spec.storage, "spec.storage", "StorageSpec");
  for (const key of ["port", "k0sApiPort"]) {
    const v = api[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== "number" || !Number.isInteger(v)) fail(`failed to decode config: json: cannot unmarshal ${goType(v)} into Go struct field APISpec.spec.api.${key} of type int`);
    if (v < 1 || v > 65535) fail(`invalid config: spec.api.${key}: Invalid value: ${v}: must be between 1 and 65535, inclusive`);
  }
  if (storage.type !== undefined && storage.type !== null && storage.type !== "etcd" && storage.type !== "kine") {
    fail(`invalid config: spec.storage.type: Unsupported value: ${JSON.stringify(storage.type)}: supported values: "etcd", "kine"`);
  }
  return nodeConfigOf(doc);
}

const field = (v: unknown, key: string): unknown => (isMap(v) ? v[key] : undefined);
const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);

/** The config a running k0s works with (k0s's defaults filled in), as the runtime config keeps it. */
export function nodeConfigOf(doc: Mapping): NodeConfig {
  const spec = doc.spec;
  const api = field(spec, "api");
  const storage = field(spec, "storage");
  return {
    storageType: text(field(storage, "type")) ?? "etcd",
    peerAddress: text(field(field(storage, "etcd"), "peerAddress")) ?? HOST.address,
    apiAddress: text(field(api, "address")) ?? HOST.address,
    apiPort: num(field(api, "port")) ?? 6443,
    k0sApiPort: num(field(api, "k0sApiPort")) ?? 9443,
  };
}

export const hostPort = (host: string, port: number): string => `${host.includes(":") ? `[${host}]` : host}:${port}`;
