import type { ChildProcess } from "node:child_process";

/**
 * Stop a child process and wait for it, with bounded waits: SIGTERM, then
 * SIGKILL after `graceMs`. A child that already died (an exit code, or a
 * signal such as a SIGKILL from outside) is not waited for: its "exit" event
 * has fired already and would never come again. With `group`, the child led
 * its own process group (spawned detached), and what it left behind in that
 * group (wrangler's workerd) is killed too when the leader did not end
 * cleanly.
 */
export async function stopChild(child: ChildProcess, opts: { group?: boolean; graceMs?: number } = {}): Promise<void> {
  const graceMs = opts.graceMs ?? 5000;
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const send = (signal: NodeJS.Signals): void => {
    try {
      if (opts.group && child.pid !== undefined) process.kill(-child.pid, signal);
      else child.kill(signal);
    } catch {
      // already gone
    }
  };
  const exited = (ms: number): Promise<boolean> =>
    gone()
      ? Promise.resolve(true)
      : new Promise((resolve) => {
          const timer = setTimeout(() => resolve(gone()), ms);
          child.once("exit", () => {
            clearTimeout(timer);
            resolve(true);
          });
        });
  if (!gone()) {
    send("SIGTERM");
    if (await exited(graceMs)) return;
  }
  // Dead before we asked, or deaf to SIGTERM: make sure nothing of it is left.
  send("SIGKILL");
  await exited(graceMs);
}
