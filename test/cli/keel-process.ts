import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { join } from "node:path";

// Runs the real `keel` binary (bin/keel.js → tsx → cli/main.ts), as a user would.
export const ROOT = join(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/keel.js");

export interface KeelRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface KeelOptions {
  input?: string;
  env?: Record<string, string>;
  cwd?: string;
}

export interface KeelProcess {
  child: ChildProcessWithoutNullStreams;
  done: Promise<KeelRun>;
  /** Resolves once standard output contains `text`. */
  stdoutHas(text: string): Promise<void>;
}

// KEEL_* from the developer's shell must not leak into a test.
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("KEEL_")) env[k] = v;
  return { ...env, ...extra };
}

export function startKeel(args: string[], opts: KeelOptions = {}): KeelProcess {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, env: cleanEnv(opts.env) });
  let stdout = "";
  let stderr = "";
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
    for (const w of waiters.filter((w) => stdout.includes(w.text))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<KeelRun>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
  child.stdin.end(opts.input ?? "");
  return {
    child,
    done,
    stdoutHas: (text) =>
      stdout.includes(text)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.push({ text, resolve });
            void done.then((run) => reject(new Error(`keel exited (${run.code}) before printing ${JSON.stringify(text)}:\n${run.stdout}\n${run.stderr}`)));
          }),
  };
}

export function keel(args: string[], opts: KeelOptions = {}): Promise<KeelRun> {
  return startKeel(args, opts).done;
}
