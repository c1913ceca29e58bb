import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

// What the k0s stand-ins of one cluster share, read from the cluster state
// folder (`SimCluster.clusterStateDir`). The stand-in writes these files; tests
// only read them. Layout (README "Cluster state"):
//   nodes/<node>.json, controllers/<host>.json, etcd/<member>.json,
//   tokens/<id>.json, images/<host>.json, applied/<Kind>_<ns>_<name>.json,
//   manifests.json, pki/ca.{crt,key}

export interface StandinNode {
  name: string;
  host: string;
  address: string;
  version: string;
  running: boolean;
  ready: boolean;
  unschedulable: boolean;
  taints: string[];
  extraTaints: string[];
}

export interface EtcdMember {
  name: string;
  id: string;
  peerURL: string;
  host: string;
}

export interface JoinToken {
  id: string;
  role: "controller" | "worker";
  createdOn: string;
  expiresAt: number | null;
}

export interface ImageBundle {
  name: string;
  sha256: string;
  size: number;
  importedAt: string;
}

export interface ManifestStacks {
  /** The leader controller whose `<dataDir>/manifests` the cluster holds. */
  appliedBy: string;
  updatedAt: string;
  stacks: Record<string, { files: Record<string, string>; objects: string[] }>;
}

export interface AppliedObject {
  /** "Kind/name" or "Kind/namespace/name". */
  key: string;
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  sha256: string;
  appliedBy: string;
  object: Record<string, unknown>;
}

export interface ClusterState {
  nodes: StandinNode[];
  etcdMembers: EtcdMember[];
  tokens: JoinToken[];
  /** Imported image bundles per host name. */
  images: Record<string, ImageBundle[]>;
  manifests: ManifestStacks | undefined;
  applied: AppliedObject[];
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return undefined; // absent, or caught between write and rename
  }
}

function readKind<T>(dir: string, kind: string): T[] {
  const folder = join(dir, kind);
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => readJson<T>(join(folder, f)))
    .filter((v): v is T => v !== undefined);
}

export function readClusterState(clusterStateDir: string): ClusterState {
  const images: Record<string, ImageBundle[]> = {};
  for (const entry of readKind<{ host: string; bundles: ImageBundle[] }>(clusterStateDir, "images")) images[entry.host] = entry.bundles;
  return {
    nodes: readKind<StandinNode>(clusterStateDir, "nodes"),
    etcdMembers: readKind<EtcdMember>(clusterStateDir, "etcd"),
    tokens: readKind<JoinToken>(clusterStateDir, "tokens"),
    images,
    manifests: readJson<ManifestStacks>(join(clusterStateDir, "manifests.json")),
    applied: readKind<AppliedObject>(clusterStateDir, "applied"),
  };
}
