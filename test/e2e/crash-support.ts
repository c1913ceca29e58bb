import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiClient, ApiFailure } from "../../cli/api-client";
import { ClusterWriteResponse, RunEventsResponse, StartedRun, type StreamedRunEvent } from "../../cli/responses";
import type { ClusterSpec } from "../../schema/cluster";
import { loadClusterYaml } from "../../schema/cluster-load";
import { FINISHED_RUN_STATUSES, RunResponse, type RunView } from "../../schema/run-api";
import { freePort } from "../../scripts/local/free-port";
import { REPO_ROOT } from "../../scripts/local/local-api";
import { startLocalStack, type LocalStack } from "../../scripts/local/stack";
import { readCommandLedger, startHosts, writeFixtureFiles, type CommandRecord, type SimCluster } from "../../sim/harness";
import { nonRepeatableCounts } from "./crash-ledger";
import { waitFor } from "./crash-waits";

/**
 * One local API and one relay for a whole crash test file (starting wrangler
 * is the slow part), and a fresh set of simulated hosts per test, each on its
 * own addresses, so that every test installs seed 3.2 from scratch.
 */

export interface CrashStack {
  dir: string;
  stack: LocalStack;
  client: ApiClient;
  stop(): Promise<void>;
}

export async function startCrashStack(opts: { relayWaitSeconds?: number } = {}): Promise<CrashStack> {
  const dir = await mkdtemp(join(tmpdir(), "keel-crash-"));
  const stack = await startLocalStack({
    port: await freePort(),
    stateDir: join(dir, "state"),
    adminToken: `keel_admin_${randomBytes(18).toString("base64url")}`,
    // Every test's hosts keep their files under <dir>/hosts-<octet>/files.
    uploadRoots: [dir],
    relayWaitSeconds: opts.relayWaitSeconds,
  }).catch(async (err: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw err;
  });
  const client = new ApiClient({ url: stack.api.url, token: stack.api.adminToken });
  return {
    dir,
    stack,
    client,
    async stop() {
      await stack.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Five simulated hosts playing seed 3.2's machines, and the spec pointed at them. */
export interface SeedCluster {
  name: string;
  hosts: SimCluster;
  spec: ClusterSpec;
  /** `address:port` of seed host n (1-5), the way step ids and run views name hosts. */
  key(n: number): string;
  ledger(): CommandRecord[];
  /** nonRepeatableCounts of the ledger. */
  counts(): Record<string, number>;
  stop(): Promise<void>;
}

export const SEED_HOSTNAMES = ["k1", "k2", "k3", "k4", "k5"];

/**
 * Seed 3.2 (HA, offline: uploaded binary, image bundle, flannel, CNI plugins)
 * on hosts 127.0.0.<firstOctet>…+4 instead of .11-.15; the load balancer's
 * address (.20) is only a name in the config and stays.
 */
export async function startSeedCluster(crash: CrashStack, opts: { name: string; firstOctet: number; edit?: (yaml: string) => string }): Promise<SeedCluster> {
  const simDir = join(crash.dir, `hosts-${opts.firstOctet}`);
  const hosts = await startHosts({ count: 5, dir: simDir, hostnames: SEED_HOSTNAMES, firstOctet: opts.firstOctet });
  try {
    await writeFixtureFiles(simDir);
    const address = (n: number) => `127.0.0.${opts.firstOctet + n - 1}`;
    const text = (await readFile(join(REPO_ROOT, "examples", "local", "seed-3.2-ha-offline.yaml"), "utf8"))
      .replace(/127\.0\.0\.1([1-5])(?!\d)/g, (_, n: string) => address(Number(n)))
      .replace(/^ {2}name: k0s-cluster$/m, `  name: ${opts.name}`);
    const loaded = loadClusterYaml((opts.edit ?? ((y) => y))(text), { KEEL_SIM_DIR: simDir });
    if (!loaded.ok) throw new Error(`invalid spec: ${JSON.stringify(loaded.errors)}`);
    return {
      name: opts.name,
      hosts,
      spec: loaded.spec,
      key: (n) => `${address(n)}:22`,
      ledger: () => readCommandLedger(hosts.clusterStateDir),
      counts: () => nonRepeatableCounts(readCommandLedger(hosts.clusterStateDir)),
      stop: () => hosts.stop(),
    };
  } catch (err) {
    await hosts.stop();
    throw err;
  }
}

/** Stores the cluster (created the first time, a new revision after) and starts its apply; returns the run id. */
export async function startApply(crash: CrashStack, spec: ClusterSpec): Promise<string> {
  const body = { body: { site: crash.stack.site, spec } };
  await crash.client.json("POST", "/v1/clusters", ClusterWriteResponse, body).catch(async (err: unknown) => {
    if (!(err instanceof ApiFailure && err.status === 409)) throw err;
    await crash.client.json("PUT", `/v1/clusters/${encodeURIComponent(spec.metadata.name)}`, ClusterWriteResponse, body);
  });
  const started = await crash.client.json("POST", `/v1/clusters/${encodeURIComponent(spec.metadata.name)}/apply`, StartedRun);
  return started.run.id;
}

/** The run as GET /v1/runs/:id shows it: status, phases, each host's step. */
export async function runView(crash: CrashStack, runId: string): Promise<RunView> {
  return (await crash.client.json("GET", `/v1/runs/${encodeURIComponent(runId)}`, RunResponse)).run;
}

/** The status of step `stepId` in the run view, or undefined while the run has not planned it. */
export function stepStatus(run: RunView, stepId: string): string | undefined {
  for (const phase of run.phases) for (const h of phase.hosts) if (h.stepId === stepId) return h.status;
  return undefined;
}

export interface FinishedRun {
  run: RunView;
  events: StreamedRunEvent[];
}

/**
 * Waits until the run is finished, whatever happens to the API meanwhile (a
 * restarted API is unreachable for a while), then reads all its events.
 */
export async function waitRunFinished(crash: CrashStack, runId: string, timeoutMs = 240_000): Promise<FinishedRun> {
  const run = await waitFor(`run ${runId} to finish`, timeoutMs, async () => {
    try {
      const view = await runView(crash, runId);
      return FINISHED_RUN_STATUSES.has(view.status) ? view : undefined;
    } catch (err) {
      if (err instanceof ApiFailure && (err.status === 0 || err.status >= 500)) return undefined;
      throw err;
    }
  });
  const events: StreamedRunEvent[] = [];
  for (;;) {
    const after = events.at(-1)?.id ?? 0;
    const page = await crash.client.json("GET", `/v1/runs/${encodeURIComponent(runId)}/events`, RunEventsResponse, { query: { after } });
    if (page.events.length === 0) return { run, events };
    events.push(...page.events);
  }
}

/** A run's story for assertion messages: its error and its last events. */
export function story(finished: FinishedRun): string {
  return [`status ${finished.run.status}: ${finished.run.error ?? ""}`, ...finished.events.slice(-40).map((e) => `${e.level} ${e.message}`)].join("\n");
}
