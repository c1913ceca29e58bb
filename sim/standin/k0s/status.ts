import { get } from "node:http";
import type { NodeConfig } from "./config";
import { DEFAULT_SOCKET, RUNTIME_CONFIG, fail, readJson } from "./host";

// The status socket a running k0s answers on, and its runtime config: both
// there only while k0s runs, which is how every other command knows.

/** What `k0s status -o json` prints. */
export interface K0sStatus {
  Version: string;
  Pid: number;
  PPid: number;
  Role: string;
  SysInit: string;
  StubFile: string;
  Output: string;
  Workloads: boolean;
  SingleNode: boolean;
  DynamicConfig: boolean;
  Args: string[];
  ClusterConfig: null;
  K0sVars: { DataDir: string; RunDir: string; StatusSocketPath: string; StartUpConfigPath: string };
}

/** /run/k0s/k0s.yaml, kept as JSON (which is YAML). */
export interface RuntimeConfig {
  apiVersion: string;
  kind: "RuntimeConfig";
  spec: { nodeConfig: NodeConfig; k0sVars: { DataDir: string } };
}

export function socketGet(socketPath: string, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get({ socketPath, path: urlPath, timeout: 5000 }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", (err: NodeJS.ErrnoException) => {
      const reason = err.code === "ENOENT" ? "no such file or directory" : err.code === "ECONNREFUSED" ? "connection refused" : err.message;
      reject(new Error(`Get "http://localhost${urlPath}": dial unix ${socketPath}: connect: ${reason}`));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
  });
}

export async function runningStatus(socketPath = DEFAULT_SOCKET): Promise<K0sStatus> {
  const res = await socketGet(socketPath, "/status");
  return JSON.parse(res.body) as K0sStatus;
}

export const localStatus = (): Promise<K0sStatus | undefined> => runningStatus().catch(() => undefined);
export const isRunning = async (): Promise<boolean> => (await localStatus()) !== undefined;

/** k0s's runtime config: what commands without --config (etcd, kubeconfig) read. */
export async function runtimeConfig(): Promise<RuntimeConfig["spec"]> {
  const rc = (await isRunning()) ? readJson<RuntimeConfig>(RUNTIME_CONFIG) : undefined;
  return rc?.spec ?? fail("k0s is not running");
}

/** Commands that talk to the Kubernetes API need a controller running here. */
export async function needApi(what: string): Promise<void> {
  const local = await localStatus();
  if (!local?.Role.startsWith("controller")) fail(`${what}: Get "https://localhost:6443/api/v1/namespaces/kube-system/secrets": dial tcp 127.0.0.1:6443: connect: connection refused`);
}
