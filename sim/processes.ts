import { readdirSync, readlinkSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

// A simulated host is everything that lives in its mount namespace: the sshd
// listener, the per-connection sshd children (which call setsid, so a process
// group kill misses them) and anything a session started in the background.
// Finding processes by namespace is the one test that catches all of them.

/** "mnt:[4026532…]" for a live process, undefined when it is gone or a zombie. */
export function mountNamespaceOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/mnt`);
  } catch {
    return undefined;
  }
}

export function pidsInMountNamespace(ns: string): number[] {
  if (ns === mountNamespaceOf(process.pid)) {
    throw new Error(`refusing to treat our own mount namespace ${ns} as a simulated host`);
  }
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => mountNamespaceOf(pid) === ns);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return mountNamespaceOf(pid) !== undefined;
  } catch {
    return false;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/**
 * Power a host off: SIGKILL the listener first, so its address refuses new
 * connections at once, then everything else in the namespace until nothing
 * is left. When the last process exits the kernel drops the namespace and
 * with it every bind mount made inside it.
 */
export async function killMountNamespace(ns: string, listenerPid: number | undefined, timeoutMs = 5000): Promise<void> {
  if (listenerPid !== undefined && mountNamespaceOf(listenerPid) === ns) signal(listenerPid, "SIGKILL");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = pidsInMountNamespace(ns);
    if (left.length === 0) return;
    if (Date.now() > deadline) throw new Error(`processes still alive in ${ns}: ${left.join(", ")}`);
    for (const pid of left) signal(pid, "SIGKILL");
    await sleep(25);
  }
}
