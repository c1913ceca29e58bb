// What the k0s stand-ins of one cluster share, as files in the cluster state
// folder (sim/README.md "Cluster state"). The stand-in writes them; the
// harness (sim/cluster-state.ts) reads them with these same types.

export type Role = "controller" | "worker";

/** Fields every daemon heartbeats, for its controller entry and its node. */
export interface Heartbeat {
  host: string;
  address: string;
  version: string;
  running: boolean;
  ready: boolean;
  heartbeatAt: number;
  since: number;
}

/** controllers/<host>.json */
export interface ControllerEntry extends Heartbeat {
  name: string;
}

/** nodes/<node>.json: the Node object's facts. */
export interface NodeEntry extends Heartbeat {
  name: string;
  unschedulable: boolean;
  role: "control-plane" | "";
  taints: string[];
  extraTaints: string[];
  labels: string[];
}

/** etcd/<member>.json */
export interface EtcdMember {
  name: string;
  id: string;
  peerURL: string;
  host: string;
}

/**
 * kubelets/<node>.json: the credential a worker's kubelet got when it joined,
 * as the API server knows it. It is in the storage snapshot, so a worker that
 * joined after a backup is unknown to the cluster restored from it.
 */
export interface KubeletEntry {
  name: string;
  credential: string;
}

/** tokens/<id>.json: a live join token. */
export interface TokenEntry {
  id: string;
  secret: string;
  role: Role;
  createdOn: string;
  expiresAt: number | null;
}

/** issued-tokens/<id>.json: every token ever issued, kept after invalidation. */
export interface IssuedToken {
  id: string;
  secret: string;
  token: string;
}

export interface ImageBundle {
  name: string;
  sha256: string;
  size: number;
  importedAt: string;
}

/** images/<host>.json */
export interface HostImages {
  host: string;
  bundles: ImageBundle[];
}

export interface ManifestStack {
  files: Record<string, string>;
  objects: string[];
}

/** manifests.json */
export interface ManifestStacks {
  /** The leader controller whose `<dataDir>/manifests` the cluster holds. */
  appliedBy: string;
  updatedAt: string;
  stacks: Record<string, ManifestStack>;
}

/** applied/<Kind>_<ns>_<name>.json: an object from `kubectl apply`. */
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

/** The folders of the cluster state and what each holds. */
export interface ClusterKinds {
  controllers: ControllerEntry;
  nodes: NodeEntry;
  etcd: EtcdMember;
  tokens: TokenEntry;
  kubelets: KubeletEntry;
  "issued-tokens": IssuedToken;
  images: HostImages;
  applied: AppliedObject;
}

/** commands.jsonl: a line when a `k0s` command starts, another when it ends. */
export type LedgerLine =
  | { event: "start"; id: string; host: string; pid: number; argv: string[]; startedAt: string }
  | { event: "exit"; id: string; exitCode: number; endedAt: string };

export const COMMAND_LEDGER_FILE = "commands.jsonl";

/** certificate-days: how many days a leaf certificate issued from now on lives (365 when absent); tests write it. */
export const CERTIFICATE_DAYS_FILE = "certificate-days";
