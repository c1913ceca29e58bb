import { spawn } from "node:child_process";
import { existsSync, openSync, closeSync, readFileSync, realpathSync, statSync } from "node:fs";
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { HOST_LOCAL_DIRS, bootScript, sessionEnv, sshdConfig } from "./boot-script";
import { ensureKey, fingerprint } from "./keys";
import { isAlive, killMountNamespace, mountNamespaceOf } from "./processes";

/** Where one host's files live: everything under `<dir>/hosts/<n>/`. */
export interface HostLayout {
  index: number;
  address: string;
  port: number;
  hostname: string;
  hostDir: string;
  root: string;
  hostKey: string;
  sshdConfig: string;
  sshdLog: string;
  bootScript: string;
  bootLog: string;
  /** Our record of the running host: listener pid and mount namespace. */
  stateFile: string;
  standinConfig: string;
}

export interface HostState {
  pid: number;
  mountNamespace: string;
}

export function hostLayout(dir: string, index: number, firstOctet: number, hostname: string): HostLayout {
  const hostDir = join(dir, "hosts", String(index + 1));
  const root = join(hostDir, "root");
  return {
    index,
    address: `127.0.0.${firstOctet + index}`,
    port: 22,
    hostname,
    hostDir,
    root,
    hostKey: join(hostDir, "ssh_host_ed25519_key"),
    sshdConfig: join(hostDir, "sshd_config"),
    sshdLog: join(hostDir, "sshd.log"),
    bootScript: join(hostDir, "boot.sh"),
    bootLog: join(hostDir, "boot.log"),
    stateFile: join(hostDir, "host.json"),
    standinConfig: join(root, "etc/keel-standin.json"),
  };
}

export interface PrepareInput {
  dir: string;
  authorizedKeys: string;
  clusterStateDir: string;
}

/** Folders, host key, configs. Idempotent: a restart keeps the key and the host's files. */
export async function prepareHost(host: HostLayout, input: PrepareInput): Promise<void> {
  for (const dir of HOST_LOCAL_DIRS) {
    await mkdir(join(host.root, dir), { recursive: true });
    // The bind mounts need a mount point on the real filesystem (an empty folder).
    await mkdir(`/${dir}`, { recursive: true });
  }
  await chmod(join(host.root, "tmp"), 0o1777);
  await chmod(join(host.root, "root"), 0o700);
  const keepVisible = hiddenByHostDirs([input.dir, input.clusterStateDir]);
  for (const path of keepVisible) await mkdir(join(host.root, path), { recursive: true });
  const nodePlaceholder = join(host.root, "usr/local/bin/node");
  if (!existsSync(nodePlaceholder)) await writeFile(nodePlaceholder, "", { mode: 0o755 });
  await mkdir("/run/sshd", { recursive: true, mode: 0o755 });

  await ensureKey(host.hostKey, `keel-sim host ${host.hostname}`);
  await writeFile(host.standinConfig, `${JSON.stringify({ index: host.index, address: host.address, hostname: host.hostname, clusterStateDir: input.clusterStateDir }, null, 2)}\n`);
  await writeFile(
    host.sshdConfig,
    sshdConfig({
      address: host.address,
      port: host.port,
      hostKey: host.hostKey,
      pidFile: join(host.hostDir, "sshd.pid"),
      authorizedKeys: input.authorizedKeys,
      env: sessionEnv(host.standinConfig),
    }),
  );
  await writeFile(
    host.bootScript,
    bootScript({
      hostname: host.hostname,
      root: host.root,
      sshdConfig: host.sshdConfig,
      sshdLog: host.sshdLog,
      nodeBinary: realpathSync(process.execPath),
      keepVisible,
      env: sessionEnv(host.standinConfig),
    }),
  );
}

/** The paths a host-local folder would hide, without those inside another one (binding the outer one shows them). */
function hiddenByHostDirs(paths: string[]): string[] {
  const hidden = [...new Set(paths)].filter((p) => HOST_LOCAL_DIRS.some((d) => p.startsWith(`/${d}/`)));
  return hidden.filter((p) => !hidden.some((o) => o !== p && p.startsWith(`${o}/`)));
}

export function readHostState(host: HostLayout): HostState | undefined {
  if (!existsSync(host.stateFile)) return undefined;
  const state = JSON.parse(readFileSync(host.stateFile, "utf8")) as Partial<HostState>;
  if (typeof state.pid !== "number" || typeof state.mountNamespace !== "string") return undefined;
  return { pid: state.pid, mountNamespace: state.mountNamespace };
}

export function isHostRunning(host: HostLayout): boolean {
  const state = readHostState(host);
  return state !== undefined && isAlive(state.pid) && mountNamespaceOf(state.pid) === state.mountNamespace;
}

/** Start the host's sshd in its own namespaces; resolves once it accepts TCP on its address. */
export async function launchHost(host: HostLayout, timeoutMs = 15_000): Promise<HostState> {
  if (isHostRunning(host)) throw new Error(`host ${host.address} is already running`);
  const logStart = existsSync(host.sshdLog) ? statSync(host.sshdLog).size : 0;
  const out = openSync(host.bootLog, "a");
  // detached: the CLI's `start` leaves the hosts running after it exits.
  const child = spawn("unshare", ["-m", "-u", "--propagation", "private", "sh", host.bootScript], { detached: true, stdio: ["ignore", out, out] });
  closeSync(out);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn unshare for ${host.address}`);
  const ownNamespace = mountNamespaceOf(process.pid);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ns = mountNamespaceOf(pid);
    if (ns === undefined) {
      const logs = await startupLogs(host, logStart);
      const hint = logs.includes("Address already in use") ? `\n${host.address}:${host.port} is taken: another simulated cluster (use another firstOctet) or an sshd on 0.0.0.0:22` : "";
      throw new Error(`sshd for ${host.address} exited during start${hint}\n${logs}`);
    }
    if (ns !== ownNamespace && (await listening(host, logStart)) && (await acceptsTcp(host.address, host.port))) {
      const state = { pid, mountNamespace: ns };
      await writeFile(host.stateFile, `${JSON.stringify(state)}\n`);
      return state;
    }
    await sleep(25);
  }
  const ns = mountNamespaceOf(pid);
  if (ns !== undefined && ns !== ownNamespace) await killMountNamespace(ns, pid);
  throw new Error(`sshd for ${host.address} did not start within ${timeoutMs} ms\n${await startupLogs(host, logStart)}`);
}

/** Kill the host and everything running on it. No-op when it is not running. */
export async function haltHost(host: HostLayout): Promise<void> {
  const state = readHostState(host);
  if (state === undefined) return;
  await killMountNamespace(state.mountNamespace, state.pid);
  await rm(host.stateFile, { force: true });
}

export async function hostKeyFingerprint(host: HostLayout): Promise<string> {
  return fingerprint(`${host.hostKey}.pub`);
}

// The log line tells our sshd apart from another one already on the port
// (a machine sshd on 0.0.0.0:22 would answer the TCP probe while ours fails to bind).
async function listening(host: HostLayout, logStart: number): Promise<boolean> {
  if (!existsSync(host.sshdLog)) return false;
  const log = (await readFile(host.sshdLog)).subarray(logStart).toString("utf8");
  return log.includes(`Server listening on ${host.address} port ${host.port}`);
}

function acceptsTcp(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, timeout: 1000 });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function startupLogs(host: HostLayout, logStart: number): Promise<string> {
  const boot = existsSync(host.bootLog) ? await readFile(host.bootLog, "utf8") : "";
  const sshd = existsSync(host.sshdLog) ? (await readFile(host.sshdLog)).subarray(logStart).toString("utf8") : "";
  return `boot.log:\n${boot.split("\n").slice(-10).join("\n")}\nsshd.log:\n${sshd}`;
}
