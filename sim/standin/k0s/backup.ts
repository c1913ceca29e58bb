import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Leaf } from "./command";
import { loadClusterConfig } from "./config";
import { CONFIG, DATA_DIR, DEBUG, STATUS_SOCKET, str } from "./flags";
import { DEFAULT_DATA_DIR, DEFAULT_SOCKET, HOST, cluster, fail, run, writeAtomic } from "./host";
import type { AppliedObject, ClusterKinds, EtcdMember, KubeletEntry, NodeEntry } from "./state";
import { localStatus, runningStatus } from "./status";

// `k0s backup` and `k0s restore`: real tar.gz archives laid out as k0s lays
// them out (pkg/backup): the storage snapshot (etcd-snapshot.db, or
// kine-state-backup.db for kine), pki/, manifests/, k0s.yaml. The "snapshot"
// is the stand-in cluster's own state: etcd members, nodes, applied objects.

/** Each folder of the cluster state, by entry name (the file name without .json). */
interface Snapshot {
  etcd: Record<string, EtcdMember>;
  nodes: Record<string, NodeEntry>;
  applied: Record<string, AppliedObject>;
  kubelets?: Record<string, KubeletEntry>;
}

// kubelets first: a restore removes them before the nodes, so a kubelet the restored cluster does not know cannot write its node back in between.
const SNAPSHOT_KINDS = ["kubelets", "etcd", "nodes", "applied"] as const;

function entryNames(kind: (typeof SNAPSHOT_KINDS)[number]): string[] {
  const dir = join(HOST.clusterDir, kind);
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -".json".length)) : [];
}

function entries<K extends (typeof SNAPSHOT_KINDS)[number]>(kind: K): Record<string, ClusterKinds[K]> {
  const found: Record<string, ClusterKinds[K]> = {};
  for (const name of entryNames(kind)) {
    const entry = cluster.get(kind, name);
    if (entry) found[name] = entry;
  }
  return found;
}

/** k0s's timeStamp(): 2021-04-26T19_51_57_000Z. */
const stamp = (): string => new Date().toISOString().replace(/[:.]/g, "_");

export const BACKUP: Leaf = {
  short: "Back-Up k0s configuration. Must be run as root (or with sudo)",
  flags: [str("save-path"), ...DATA_DIR, ...CONFIG, ...STATUS_SOCKET, ...DEBUG],
  args: [0, 0],
  run: async ({ flags }) => {
    const status = await runningStatus(flags.string("status-socket") ?? DEFAULT_SOCKET).catch(() => undefined);
    if (!status) fail(`unable to detect cluster role: Get "http://localhost/status": dial unix ${DEFAULT_SOCKET}: connect: no such file or directory`);
    if (!status.Role.includes("controller")) fail(`backup command must be run on the controller node, have \`${status.Role}\``);
    const savePath = flags.string("save-path") ?? fail('required flag(s) "save-path" not set');
    if (savePath === "-") fail("the stand-in writes archives to a directory only");
    if (!existsSync(savePath) || !statSync(savePath).isDirectory()) fail(`save path ${savePath} does not exist or is not a directory`);
    const dataDir = flags.string("data-dir") ?? status.K0sVars.DataDir;
    const configFile = flags.string("config") ?? status.K0sVars.StartUpConfigPath;
    const config = loadClusterConfig(configFile);
    const work = mkdtempSync(join(tmpdir(), "k0s-backup"));
    try {
      const snapshot: Snapshot = { etcd: entries("etcd"), nodes: entries("nodes"), applied: entries("applied"), kubelets: entries("kubelets") };
      const storage = config.storageType === "etcd" ? "etcd-snapshot.db" : "kine-state-backup.db";
      writeFileSync(join(work, storage), `${JSON.stringify(snapshot, null, 2)}\n`, { mode: 0o600 });
      const members = [storage];
      for (const dir of ["pki", "manifests", "images"]) {
        if (!existsSync(join(dataDir, dir))) continue;
        cpSync(join(dataDir, dir), join(work, dir), { recursive: true });
        members.push(dir);
      }
      cpSync(configFile, join(work, "k0s.yaml"));
      members.push("k0s.yaml");
      const archive = join(savePath, `k0s_backup_${stamp()}.tar.gz`);
      await run("tar", ["-czf", archive, "-C", work, ...members]);
      console.error(`time="${new Date().toISOString()}" level=info msg="archive ${archive} created successfully"`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
};

export const RESTORE: Leaf = {
  short: "restore k0s state from given backup archive. Use '-' as filename to read from stdin. Must be run as root (or with sudo)",
  flags: [str("config-out"), ...DATA_DIR, ...DEBUG],
  args: [1, 1],
  run: async ({ flags, args }) => {
    if (await localStatus()) fail("k0s seems to be running! k0s must be down during the restore operation.");
    const file = resolve(args[0] ?? "");
    if (!existsSync(file)) fail(`open ${file}: no such file or directory`);
    const dataDir = flags.string("data-dir") ?? DEFAULT_DATA_DIR;
    mkdirSync(dataDir, { recursive: true });
    const work = mkdtempSync(join(tmpdir(), "k0s-restore"));
    try {
      await run("tar", ["-xzf", file, "-C", work]);
      const storage = ["etcd-snapshot.db", "kine-state-backup.db"].find((f) => existsSync(join(work, f)));
      if (!storage) fail("the archive holds no storage snapshot");
      if (!existsSync(join(work, "k0s.yaml"))) fail("the archive holds no k0s.yaml");
      for (const dir of ["pki", "manifests", "images"]) {
        const there = join(dataDir, dir);
        if (existsSync(there) && readdirSync(there).length > 0 && existsSync(join(work, dir))) fail(`${there} already exists and is not empty: the data directory overlaps the backup`);
      }
      const config = loadClusterConfig(join(work, "k0s.yaml"));
      const snapshot = JSON.parse(readFileSync(join(work, storage), "utf8")) as Snapshot;
      restoreState(snapshot, config.storageType === "etcd" ? `https://${config.peerAddress}:2380` : undefined, dataDir);
      for (const dir of ["pki", "manifests", "images"]) if (existsSync(join(work, dir))) cpSync(join(work, dir), join(dataDir, dir), { recursive: true });
      const configOut = flags.string("config-out") ?? `k0s_${stamp()}.yaml`;
      writeAtomic(resolve(configOut), readFileSync(join(work, "k0s.yaml"), "utf8"), 0o600);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
};

/** The cluster's objects as they were; etcd, like k0s's snapshot restore, comes back as a single member: this controller, at the backed-up peer address. */
function restoreState(snapshot: Snapshot, peerURL: string | undefined, dataDir: string): void {
  for (const kind of SNAPSHOT_KINDS) for (const name of entryNames(kind)) cluster.remove(kind, name);
  for (const [name, k] of Object.entries(snapshot.kubelets ?? {})) cluster.put("kubelets", name, k);
  for (const [name, n] of Object.entries(snapshot.nodes)) cluster.put("nodes", name, n);
  for (const [name, a] of Object.entries(snapshot.applied)) cluster.put("applied", name, a);
  if (peerURL) {
    const known = Object.values(snapshot.etcd).find((m) => m.peerURL === peerURL);
    const member: EtcdMember = known ? { ...known, name: HOST.hostname, host: HOST.hostname } : { name: HOST.hostname, id: "restored", peerURL, host: HOST.hostname };
    cluster.put("etcd", member.name, member);
    writeAtomic(join(dataDir, "etcd/member.json"), `${JSON.stringify(member)}\n`, 0o600);
  }
}
