import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CERTIFICATE_DAYS_FILE, type AppliedObject, type EtcdMember, type HostImages, type ImageBundle, type ManifestStacks, type NodeEntry, type TokenEntry } from "./standin/k0s/state";

// What the k0s stand-ins of one cluster share, read from the cluster state
// folder (`SimCluster.clusterStateDir`). The stand-in writes these files with
// the types of standin/k0s/state.ts; tests only read them. Layout (README
// "Cluster state"):
//   nodes/<node>.json, controllers/<host>.json, etcd/<member>.json,
//   tokens/<id>.json, images/<host>.json, applied/<Kind>_<ns>_<name>.json,
//   manifests.json, pki/ca.{crt,key}

export type { AppliedObject, EtcdMember, ImageBundle, ManifestStacks } from "./standin/k0s/state";
/** A Node as the stand-ins keep it. */
export type StandinNode = NodeEntry;
/** A live join token, without its secret (tests never need it from here). */
export type JoinToken = Omit<TokenEntry, "secret">;

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
  for (const entry of readKind<HostImages>(clusterStateDir, "images")) images[entry.host] = entry.bundles;
  return {
    nodes: readKind<StandinNode>(clusterStateDir, "nodes"),
    etcdMembers: readKind<EtcdMember>(clusterStateDir, "etcd"),
    tokens: readKind<JoinToken>(clusterStateDir, "tokens"),
    images,
    manifests: readJson<ManifestStacks>(join(clusterStateDir, "manifests.json")),
    applied: readKind<AppliedObject>(clusterStateDir, "applied"),
  };
}

/**
 * How long the leaf certificates the stand-ins issue from now on live (k0s's
 * 365 days with null): a controller start after this issues leaves that
 * expire in `days`. The one file of the cluster state a test writes.
 */
export function setCertificateDays(clusterStateDir: string, days: number | null): void {
  const file = join(clusterStateDir, CERTIFICATE_DAYS_FILE);
  if (days === null) rmSync(file, { force: true });
  else writeFileSync(file, `${days}\n`);
}
