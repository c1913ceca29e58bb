import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ensureKey, newKey } from "./keys";
import { haltHost, hostKeyFingerprint, hostLayout, isHostRunning, launchHost, prepareHost, type HostLayout } from "./sim-host";
import { writeIpStandin } from "./ip-standin";
import { writeStandin, writeSystemctlStandin } from "./standins";

export { readClusterState, setCertificateDays, type ClusterState } from "./cluster-state";
export { countByHost, isNonRepeatable, readCommandLedger, type CommandRecord } from "./command-ledger";
export { writeFixtureFiles } from "./fixtures";
export { DEFAULT_K0S_VERSION, writeStandin } from "./standins";

export interface SimHost {
  index: number;
  address: string;
  port: number;
  hostname: string;
  root: string;
  hostKeyFingerprint: string;
}

export interface SimCluster {
  dir: string;
  keyPath: string;
  hosts: SimHost[];
  /** The folder the k0s stand-ins share (tokens, nodes, etcd members…); read it with readClusterState. */
  clusterStateDir: string;
  stopHost(index: number): Promise<void>;
  startHost(index: number): Promise<void>;
  regenerateHostKey(index: number): Promise<void>;
  stop(): Promise<void>;
}

export interface StartHostsOptions {
  count: number;
  dir?: string;
  hostnames?: string[];
  firstOctet?: number;
  installK0s?: boolean;
  clusterStateDir?: string;
}

/** What `<dir>/cluster.json` records, so the CLI can find the hosts again from another process. */
interface ClusterRecord {
  count: number;
  firstOctet: number;
  hostnames: string[];
  clusterStateDir: string;
}

export async function startHosts(opts: StartHostsOptions): Promise<SimCluster> {
  const firstOctet = opts.firstOctet ?? 11;
  if (!Number.isInteger(opts.count) || opts.count < 1 || opts.count > 199) throw new Error(`count must be 1..199, got ${opts.count}`);
  if (!Number.isInteger(firstOctet) || firstOctet < 2 || firstOctet + opts.count - 1 > 254) throw new Error(`firstOctet ${firstOctet} leaves no room for ${opts.count} hosts`);
  if (opts.hostnames && opts.hostnames.length !== opts.count) throw new Error(`hostnames has ${opts.hostnames.length} names for ${opts.count} hosts`);

  // A folder we made ourselves is ours to remove at stop(); one the caller named is left for them.
  const ownDir = opts.dir === undefined;
  const dir = resolve(opts.dir ?? (await mkdtemp(join(tmpdir(), "keel-sim-"))));
  await mkdir(dir, { recursive: true });
  const record: ClusterRecord = {
    count: opts.count,
    firstOctet,
    hostnames: opts.hostnames ?? Array.from({ length: opts.count }, (_, i) => `keel-sim-${i + 1}`),
    clusterStateDir: resolve(opts.clusterStateDir ?? join(dir, "cluster-state")),
  };
  await mkdir(record.clusterStateDir, { recursive: true });
  const keyPath = join(dir, "id_ed25519");
  await ensureKey(keyPath, "keel-sim client");
  await writeFile(join(dir, "authorized_keys"), readFileSync(`${keyPath}.pub`));
  await writeFile(join(dir, "cluster.json"), `${JSON.stringify(record, null, 2)}\n`);

  const layouts = layoutsOf(dir, record);
  const prepare = { dir, authorizedKeys: join(dir, "authorized_keys"), clusterStateDir: record.clusterStateDir };
  for (const host of layouts) {
    await prepareHost(host, prepare);
    await writeSystemctlStandin(join(host.root, "usr/local/bin/systemctl"));
    await writeIpStandin(join(host.root, "usr/local/bin/ip"), host.address);
    if (opts.installK0s) await writeStandin(join(host.root, "usr/local/bin/k0s"));
  }
  const started = await Promise.allSettled(layouts.map((host) => launchHost(host)));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    await Promise.allSettled(layouts.map((host) => haltHost(host)));
    throw failed.reason;
  }

  const hosts: SimHost[] = [];
  for (const l of layouts) {
    hosts.push({ index: l.index, address: l.address, port: l.port, hostname: l.hostname, root: l.root, hostKeyFingerprint: await hostKeyFingerprint(l) });
  }
  const layoutAt = (index: number): HostLayout => {
    const layout = layouts[index];
    if (!layout) throw new Error(`no host ${index}; the cluster has ${layouts.length}`);
    return layout;
  };
  return {
    dir,
    keyPath,
    hosts,
    clusterStateDir: record.clusterStateDir,
    stopHost: (index) => haltHost(layoutAt(index)),
    startHost: async (index) => {
      const host = layoutAt(index);
      await prepareHost(host, prepare);
      await launchHost(host);
    },
    regenerateHostKey: async (index) => {
      const host = layoutAt(index);
      const running = isHostRunning(host);
      await haltHost(host);
      await newKey(host.hostKey, `keel-sim host ${host.hostname}`);
      const simHost = hosts[index];
      if (simHost) simHost.hostKeyFingerprint = await hostKeyFingerprint(host);
      // A running sshd keeps the key it loaded; restart so the new one is what clients see.
      if (running) await launchHost(host);
    },
    stop: async () => {
      if (!existsSync(dir)) return;
      await stopHostsIn(dir);
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

function layoutsOf(dir: string, record: ClusterRecord): HostLayout[] {
  return record.hostnames.map((name, i) => hostLayout(dir, i, record.firstOctet, name));
}

function readRecord(dir: string): ClusterRecord {
  const file = join(dir, "cluster.json");
  if (!existsSync(file)) throw new Error(`${file} not found: no simulated hosts were started in ${dir}`);
  return JSON.parse(readFileSync(file, "utf8")) as ClusterRecord;
}

/** Tear down every host recorded in `dir`, from any process (the CLI's `stop`). */
export async function stopHostsIn(dir: string): Promise<void> {
  const results = await Promise.allSettled(layoutsOf(resolve(dir), readRecord(resolve(dir))).map((host) => haltHost(host)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}

export interface HostStatus {
  address: string;
  hostname: string;
  running: boolean;
  root: string;
  hostKeyFingerprint: string;
}

export async function statusOfHostsIn(dir: string): Promise<HostStatus[]> {
  const layouts = layoutsOf(resolve(dir), readRecord(resolve(dir)));
  return Promise.all(
    layouts.map(async (l) => ({ address: l.address, hostname: l.hostname, running: isHostRunning(l), root: l.root, hostKeyFingerprint: await hostKeyFingerprint(l) })),
  );
}
