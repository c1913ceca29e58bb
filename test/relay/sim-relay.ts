import { chmod, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Step, type HostTarget } from "../../schema/steps";
import { Executor } from "../../relay/executor";
import { Journal } from "../../relay/journal";
import { KnownHosts } from "../../relay/known-hosts";
import { Policy } from "../../relay/policy";
import { RelaySecrets, type RelaySecretSource } from "../../relay/relay-secrets";
import { SshPool } from "../../relay/ssh-pool";
import { UploadCache } from "../../relay/upload-cache";
import type { SimCluster, SimHost } from "../../sim/harness";
import { recordingLog } from "./helpers";

/**
 * The executor as the relay feeds it: each step parsed first, as decodeFrame
 * does with a step.run frame, so tests can write steps as plain objects.
 */
export function decodingExecutor(executor: Executor) {
  return { execute: (runId: string, input: unknown, signal?: AbortSignal) => executor.execute(runId, Step.parse(input), signal) };
}

/** The relay's parts wired together over one state folder, as startRelay does. */
export async function relayParts(
  stateDir: string,
  opts: { connectTimeoutMs?: number; allowedHosts?: string[]; uploadRoots?: string[]; allowHooks?: boolean; allowedUrls?: string[]; secrets?: Record<string, RelaySecretSource> } = {},
) {
  const logs = recordingLog();
  const knownHosts = await KnownHosts.open(stateDir);
  const pool = new SshPool({ knownHosts, connectTimeoutMs: opts.connectTimeoutMs ?? 5000, keepaliveMs: 5000, log: logs.log });
  const policy = new Policy({ allowedHosts: opts.allowedHosts ?? ["127.0.0.0/8"], uploadRoots: opts.uploadRoots ?? [], allowHooks: opts.allowHooks ?? false, allowedUrls: opts.allowedUrls ?? [] });
  const journal = await Journal.open(stateDir);
  const files = new UploadCache();
  const executor = decodingExecutor(new Executor({ pool, policy, journal, log: logs.log, files, secrets: new RelaySecrets(opts.secrets ?? {}) }));
  return { pool, executor, knownHosts, logs, journal, policy, files };
}

export function targetOf(cluster: SimCluster, host: SimHost, bastion?: SimHost): HostTarget {
  const t: HostTarget = { address: host.address, port: host.port, user: "root", keyPath: cluster.keyPath };
  if (bastion) t.bastion = { address: bastion.address, port: bastion.port, user: "root", keyPath: cluster.keyPath };
  return t;
}

/**
 * Wraps a host command in /usr/local/bin (first on the host's PATH) with a
 * script that counts its calls, so a test can tell whether it ran.
 */
export async function countCallsOf(host: SimHost, command: string): Promise<{ calls(): Promise<number>; remove(): Promise<void> }> {
  const script = join(host.root, "usr/local/bin", command);
  const counter = join(host.root, "var/lib/k0s", `${command}-calls`);
  await writeFile(script, `#!/bin/sh\necho call >> /var/lib/k0s/${command}-calls\nexec /usr/bin/${command} "$@"\n`);
  await chmod(script, 0o755);
  await rm(counter, { force: true });
  const { readFile } = await import("node:fs/promises");
  return {
    calls: async () => (await readFile(counter, "utf8").catch(() => "")).split("\n").filter(Boolean).length,
    remove: async () => {
      await rm(script, { force: true });
      await rm(counter, { force: true });
    },
  };
}

/**
 * Puts a `uname` in the host's /usr/local/bin (first on its PATH) that counts
 * its calls in /var/lib/k0s/uname-calls and sleeps while /var/lib/k0s/uname-hold
 * exists: a side effect the test can read, and a way to make a step hang.
 */
export async function installCountingUname(host: SimHost): Promise<{ calls(): Promise<number>; hold(on: boolean): Promise<void>; remove(): Promise<void> }> {
  const script = join(host.root, "usr/local/bin/uname");
  const counter = join(host.root, "var/lib/k0s/uname-calls");
  const holdFile = join(host.root, "var/lib/k0s/uname-hold");
  await writeFile(
    script,
    "#!/bin/sh\necho call >> /var/lib/k0s/uname-calls\nwhile [ -e /var/lib/k0s/uname-hold ]; do sleep 0.1; done\nexec /bin/uname \"$@\"\n",
  );
  await chmod(script, 0o755);
  await rm(counter, { force: true });
  const { readFile } = await import("node:fs/promises");
  return {
    calls: async () => {
      try {
        return (await readFile(counter, "utf8")).split("\n").filter(Boolean).length;
      } catch {
        return 0;
      }
    },
    hold: async (on) => (on ? writeFile(holdFile, "") : rm(holdFile, { force: true })),
    remove: async () => {
      await rm(holdFile, { force: true });
      await rm(script, { force: true });
      await rm(counter, { force: true });
    },
  };
}
