// A keel stack for benchmarks: N simulated hosts (127.0.0.11 upward), the
// API in wrangler dev and one relay, with the relay's SSH work recorded by
// bench/ssh-trace.mjs so the floor and Ansible can redo exactly that work.
// Run times are the server's: the run's startedAt → finishedAt in D1.
import { randomBytes } from "node:crypto";
import { readFile, rm, writeFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadClusterYaml } from "../schema/cluster-load";
import type { ClusterSpec } from "../schema/cluster";
import { RunResponse } from "../schema/run-api";
import { startHosts, writeFixtureFiles, type SimCluster } from "../sim/harness";
import { freePort } from "../scripts/local/free-port";
import { followRun } from "../cli/follow-run";
import { ClusterWriteResponse, StartedRun } from "../cli/responses";
import { REPO_ROOT } from "../scripts/local/local-api";
import { startLocalStack, type LocalStack } from "../scripts/local/stack";
import { readTrace, type TraceEvent } from "./trace";

export interface KeelRun {
  id: string;
  /** Server clock: the run's startedAt → finishedAt. */
  serverMs: number;
  /** Client clock: POST → the end event on the SSE stream. */
  clientMs: number;
  view: RunResponse["run"];
  trace: TraceEvent[];
}

export interface KeelSession {
  sim: SimCluster;
  stack: LocalStack;
  traceDir: string;
  facts(): Promise<KeelRun>;
  apply(): Promise<KeelRun>;
  stop(): Promise<void>;
  /** Removes the recorded traces (after stop, once no floor needs them). */
  dropTrace(): Promise<void>;
}

/**
 * seed 3.2 (HA, offline: k0s binary, image bundle, CNI plugins uploaded;
 * flannel manifest on the first controller) on `count` hosts: the example's
 * three controllers, then workers like its last host.
 */
async function seed32For(count: number, simDir: string): Promise<ClusterSpec> {
  const text = await readFile(join(REPO_ROOT, "examples", "local", "seed-3.2-ha-offline.yaml"), "utf8");
  // Text, not a YAML round trip: the example's `perm: 0644` must stay as written.
  const last = text.indexOf("  - ssh:\n      address: 127.0.0.15");
  const end = text.indexOf("\n  k0s:\n", last);
  if (count < 5 || last < 0 || end < 0) throw new Error(`cannot make seed 3.2 for ${count} hosts`);
  const worker = text.slice(last, end + 1);
  const more = Array.from({ length: count - 5 }, (_, i) => worker.replace("address: 127.0.0.15", `address: 127.0.0.${16 + i}`)).join("");
  const loaded = loadClusterYaml(text.slice(0, end + 1) + more + text.slice(end + 1), { KEEL_SIM_DIR: simDir });
  if (!loaded.ok) throw new Error(`seed 3.2 for ${count} hosts does not validate: ${JSON.stringify(loaded.errors)}`);
  return loaded.spec;
}

export async function startKeelSession(count: number, opts: { trace?: boolean } = {}): Promise<KeelSession> {
  const dir = await mkdtemp(join(tmpdir(), "keel-bench-"));
  const simDir = join(dir, "sim");
  // Apart from the session's folder: the floor replays a fresh apply after the session stopped.
  const traceDir = await mkdtemp(join(tmpdir(), "keel-bench-trace-"));
  const sim = await startHosts({ count, dir: simDir, hostnames: Array.from({ length: count }, (_, i) => `k${i + 1}`) });
  let stack: LocalStack | undefined;
  const nodeOptions = process.env.NODE_OPTIONS;
  try {
    await writeFixtureFiles(simDir);
    if (opts.trace !== false) {
      process.env.KEEL_BENCH_TRACE = traceDir;
      process.env.NODE_OPTIONS = `${nodeOptions ?? ""} --import=${join(REPO_ROOT, "bench", "ssh-trace.mjs")}`.trim();
    }
    stack = await startLocalStack({
      port: await freePort(),
      stateDir: join(dir, "state"),
      adminToken: `keel_admin_${randomBytes(18).toString("base64url")}`,
      uploadRoots: [join(simDir, "files")],
    });
  } catch (err) {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
    await rm(traceDir, { recursive: true, force: true });
    throw err;
  } finally {
    delete process.env.KEEL_BENCH_TRACE;
    if (nodeOptions === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = nodeOptions;
  }
  const s = stack;
  const stop = async () => {
    await s.stop().catch(() => {});
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  };
  let name: string;
  try {
    const spec = await seed32For(count, simDir);
    name = spec.metadata.name;
    await s.admin.json("POST", "/v1/clusters", ClusterWriteResponse, { body: { site: s.site, spec } });
  } catch (err) {
    await stop();
    await rm(traceDir, { recursive: true, force: true });
    throw err;
  }

  const runOnce = async (what: "facts" | "apply"): Promise<KeelRun> => {
    await writeFile(join(traceDir, "trace.jsonl"), "").catch(() => {});
    const t0 = performance.now();
    const started = await s.admin.json("POST", `/v1/clusters/${name}/${what}`, StartedRun);
    const end = await followRun(s.admin, started.run.id, () => undefined, AbortSignal.timeout(900_000));
    const clientMs = performance.now() - t0;
    if (end.status !== "succeeded") throw new Error(`${what} run ${end.status}: ${end.error}`);
    const { run } = await s.admin.json("GET", `/v1/runs/${started.run.id}`, RunResponse);
    if (run.startedAt === null || run.finishedAt === null) throw new Error(`run ${run.id} has no start or end time`);
    // The relay may still be appending the last lines of the run.
    await new Promise((r) => setTimeout(r, 50));
    return { id: run.id, serverMs: run.finishedAt - run.startedAt, clientMs, view: run, trace: await readTrace(traceDir) };
  };
  return {
    sim,
    stack: s,
    traceDir,
    facts: () => runOnce("facts"),
    apply: () => runOnce("apply"),
    stop,
    dropTrace: () => rm(traceDir, { recursive: true, force: true }),
  };
}
