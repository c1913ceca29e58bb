import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSync } from "esbuild";

// Runs keel's CLI (cli/main.ts) in a process of its own, as a user would.
// bin/keel.js does that through tsx, which transpiles the CLI on every start
// (about 0.8 s of CPU here, and the tests start keel a hundred times), so the
// tests run the same main() bundled once per test file by esbuild; `viaBin`
// runs the real bin/keel.js.
export const ROOT = join(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/keel.js");

let bundled: string | undefined;
function bundledCli(): string {
  if (bundled) return bundled;
  const file = join(mkdtempSync(join(tmpdir(), "keel-cli-")), "keel.mjs");
  const result = buildSync({
    stdin: { contents: `import { main } from "./cli/main.ts";\nprocess.exitCode = await main(process.argv.slice(2));\n`, resolveDir: ROOT, sourcefile: "keel-entry.ts", loader: "ts" },
    bundle: true,
    write: false,
    platform: "node",
    target: "node20",
    format: "esm",
    // Dependencies written as CommonJS call require(); an ES module has none of its own.
    banner: { js: `import { createRequire as __keelRequire } from "node:module"; const require = __keelRequire(import.meta.url);` },
    legalComments: "none",
    logLevel: "silent",
  });
  const out = result.outputFiles[0];
  if (!out) throw new Error("esbuild produced no keel CLI bundle");
  writeFileSync(file, out.contents);
  bundled = file;
  return file;
}

export interface KeelRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface KeelOptions {
  input?: string;
  env?: Record<string, string>;
  cwd?: string;
  /** Run bin/keel.js (tsx) rather than the bundled CLI. */
  viaBin?: boolean;
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
  const child = spawn(process.execPath, [opts.viaBin ? BIN : bundledCli(), ...args], { cwd: opts.cwd ?? ROOT, env: cleanEnv(opts.env) });
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
