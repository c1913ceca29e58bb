import { existsSync, mkdirSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { CONFIG_API_VERSION, loadClusterConfig, nodeConfigOf } from "./config";
import { joinEtcd } from "./etcd";
import type { Flags } from "./flags";
import { DEFAULT_CONFIG, DEFAULT_DATA_DIR, DEFAULT_SOCKET, HEARTBEAT_MS, HOST, RUNTIME_CONFIG, SERVICES, UNIT_DIR, VERSION, cluster, fail, writeAtomic } from "./host";
import { listenApi } from "./api-listener";
import { kubeletPki } from "./kubelet-pki";
import { controllerPki } from "./pki";
import type { Heartbeat, Role } from "./state";
import { joinAsKubelet, kubeletCredential } from "./kubelet-join";
import { isRunning, type K0sStatus, type RuntimeConfig } from "./status";
import { checkToken, readTokenArg } from "./tokens";
import { applyManifestStacks, importImages, type ImportedImage } from "./workloads";

// `k0s controller|worker`: what the unit files run. It answers on the status
// socket, heartbeats its node into the cluster state, and keeps importing
// images and applying manifests until SIGTERM.

const SYNC_MS = 2000;

function nodeName(flags: Flags): string {
  const override = /--hostname-override[= ](\S+)/.exec(flags.string("kubelet-extra-args") ?? "");
  return (override?.[1] ?? HOST.hostname).toLowerCase();
}

export async function daemon(role: Role, flags: Flags, args: string[]): Promise<void> {
  const dataDir = flags.string("data-dir") ?? DEFAULT_DATA_DIR;
  const socketPath = flags.string("status-socket") ?? DEFAULT_SOCKET;
  if (await isRunning()) fail("an instance of k0s is already running");
  const configFile = role === "controller" ? flags.string("config") ?? (existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : undefined) : undefined;
  const config = loadClusterConfig(configFile);
  // Like k0s, a host that joined once (kubelet.conf, or a controller's CA) needs no token to start again.
  const joinedMark = join(dataDir, role === "worker" ? "kubelet.conf" : "pki/ca.crt");
  const joined = existsSync(joinedMark);
  const tokenText = readTokenArg(flags, args);
  if (role === "worker" && !tokenText && !joined) fail("normal worker needs a join token: pass --token-file or the token");
  if (tokenText && !joined) checkToken(tokenText, role);
  const single = role === "controller" && flags.bool("single");
  const workloads = role === "worker" || single || flags.bool("enable-worker");
  mkdirSync(dataDir, { recursive: true });
  const etcdMember = role === "controller" && config.storageType === "etcd" ? joinEtcd(dataDir, config) : undefined;
  if (role === "controller") await controllerPki(dataDir, Boolean(tokenText));
  const name = nodeName(flags);
  if (role === "worker" && !joined) joinAsKubelet(joinedMark, name);
  const credential = role === "worker" ? kubeletCredential(joinedMark) : undefined;
  // A kubelet the API server does not know (its credential is not in the cluster's storage) cannot update its node.
  const known = (): boolean => credential === undefined || cluster.get("kubelets", name)?.credential === credential;
  if (workloads) await kubeletPki(dataDir, name);

  const started = Date.now();
  const readyDelay = Number(process.env.KEEL_STANDIN_READY_DELAY_MS ?? 300);
  const status = (): K0sStatus => ({
    Version: VERSION, Pid: process.pid, PPid: process.ppid,
    Role: role === "controller" && workloads ? "controller+worker" : role,
    SysInit: "linux-systemd", StubFile: join(UNIT_DIR, `${SERVICES[role]}.service`), Output: "",
    Workloads: workloads, SingleNode: single, DynamicConfig: flags.bool("enable-dynamic-config"),
    Args: process.argv.slice(1), ClusterConfig: null,
    K0sVars: { DataDir: dataDir, RunDir: "/run/k0s", StatusSocketPath: socketPath, StartUpConfigPath: configFile ?? DEFAULT_CONFIG },
  });
  const ready = (): boolean => Date.now() - started >= readyDelay;
  // A controller whose etcd member left the cluster has no working etcd: /readyz says so.
  const etcdOk = (): boolean => etcdMember === undefined || cluster.get("etcd", etcdMember.name) !== undefined;
  const beat = (running: boolean): void => {
    const common: Heartbeat = { host: HOST.hostname, address: HOST.address, version: VERSION, running, ready: running && ready(), heartbeatAt: Date.now(), since: started };
    if (role === "controller") cluster.put("controllers", HOST.hostname, { ...common, name: HOST.hostname });
    if (workloads && known()) {
      const prev = cluster.get("nodes", name);
      const taints = role === "controller" && !flags.bool("no-taints") && !single ? ["node-role.kubernetes.io/master:NoSchedule"] : [];
      cluster.put("nodes", name, {
        ...common, name, unschedulable: prev?.unschedulable ?? false, role: role === "controller" ? "control-plane" : "", taints,
        extraTaints: prev?.extraTaints ?? [], labels: flags.list("labels") ?? [],
      });
    }
  };
  const images = new Map<string, ImportedImage>((cluster.get("images", HOST.hostname)?.bundles ?? []).map((b) => [b.name, b]));
  let manifests: string | undefined;
  const sync = (): void => {
    if (workloads) importImages(dataDir, images);
    if (role === "controller") manifests = applyManifestStacks(dataDir, manifests);
  };

  mkdirSync(dirname(socketPath), { recursive: true });
  rmSync(socketPath, { force: true });
  const server = createServer((req, res) => {
    if (req.url === "/status") return void res.end(JSON.stringify(status()));
    // The API server's own etcd check; a controller without etcd (kine) has none.
    if (req.url === "/readyz/etcd") {
      const ok = etcdMember !== undefined && ready() && etcdOk();
      res.statusCode = etcdMember === undefined ? 404 : ok ? 200 : 503;
      return void res.end(etcdMember === undefined ? "404 page not found" : ok ? "ok" : "[-]etcd failed: reason withheld\nreadyz check failed");
    }
    if (req.url === "/readyz") {
      const ok = ready() && etcdOk();
      res.statusCode = ok ? 200 : 503;
      return void res.end(ok ? "ok" : "[-]etcd failed: reason withheld\nreadyz check failed");
    }
    res.statusCode = 404;
    res.end("404 page not found");
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  if (role === "controller") listenApi(dataDir, config.apiPort, () => ready() && etcdOk());
  const runtime: RuntimeConfig = { apiVersion: CONFIG_API_VERSION, kind: "RuntimeConfig", spec: { nodeConfig: role === "controller" ? config : nodeConfigOf({}), k0sVars: { DataDir: dataDir } } };
  writeAtomic(RUNTIME_CONFIG, `${JSON.stringify(runtime, null, 2)}\n`, 0o600);
  beat(true);
  sync();
  const timers = [setInterval(() => beat(true), HEARTBEAT_MS), setInterval(sync, SYNC_MS)];
  const shutdown = (): void => {
    timers.forEach(clearInterval);
    beat(false);
    rmSync(socketPath, { force: true });
    rmSync(RUNTIME_CONFIG, { force: true });
    process.exit(0);
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
  console.error(`time="${new Date().toISOString()}" level=info msg="k0s ${role} ${VERSION} started"`);
  await new Promise(() => {});
}
