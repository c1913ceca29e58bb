import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UNIT_DIR, readUnit, unitFiles } from "./units";

// Running services: a detached process per unit, its pid in RUN_DIR. Pids
// are global on this machine, so a pid is only trusted while that process
// still runs in this host's mount namespace.

export const RUN_DIR = join(UNIT_DIR, ".keel-standin");
const STOP_TIMEOUT_MS = 10_000;

const pidFile = (unit: string): string => join(RUN_DIR, `${unit}.pid`);

export function fail(code: number, message: string): number {
  process.stderr.write(`${message}\n`);
  return code;
}

export function mainPid(unit: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile(unit), "utf8").trim());
    if (pid > 0 && readlinkSync(`/proc/${pid}/ns/mnt`) === readlinkSync("/proc/self/ns/mnt")) {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (!/\) Z /.test(stat)) return pid;
    }
  } catch {
    // no pid file, or the process is gone
  }
  return undefined;
}

export const isEnabled = (unit: string): boolean => existsSync(join(RUN_DIR, `${unit}.enabled`));

export function start(unit: string): number {
  const service = readUnit(unit);
  if (!service) return fail(5, `Failed to start ${unit}: Unit ${unit} not found.`);
  if (mainPid(unit)) return 0;
  const [cmd, ...args] = service.execStart ?? [];
  if (!cmd) return fail(1, `Failed to start ${unit}: Unit ${unit} has no ExecStart.`);
  mkdirSync(RUN_DIR, { recursive: true });
  const log = openSync(join(RUN_DIR, `${unit}.log`), "a");
  // Detached with its own output file: the ssh session that ran us must not wait for it.
  const child = spawn(cmd, args, { detached: true, stdio: ["ignore", log, log], env: { ...process.env, ...service.env }, cwd: "/" });
  closeSync(log);
  writeFileSync(pidFile(unit), `${child.pid ?? ""}\n`);
  child.unref();
  return 0;
}

/** systemctl is synchronous: block this short-lived process while the service stops. */
const sleepMs = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

export function stop(unit: string): number {
  const pid = mainPid(unit);
  if (!unitFiles(unit).length && !pid) return fail(5, `Failed to stop ${unit}: Unit ${unit} not loaded.`);
  if (pid) {
    process.kill(pid, "SIGTERM");
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (mainPid(unit) && Date.now() < deadline) sleepMs(20);
    if (mainPid(unit)) process.kill(pid, "SIGKILL");
    while (mainPid(unit)) sleepMs(20);
  }
  rmSync(pidFile(unit), { force: true });
  return 0;
}
