import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadClusterYaml } from "../../schema/cluster-load";
import type { ClusterSpec } from "../../schema/cluster";
import { startHosts, writeFixtureFiles, type SimCluster } from "../../sim/harness";
import { sshRun } from "../../sim/ssh-client";
import { freePort } from "../../scripts/local/free-port";
import { ApiFailure } from "../../cli/api-client";
import { followRun } from "../../cli/follow-run";
import { ClusterWriteResponse, StartedRun, type StreamedRunEvent } from "../../cli/responses";
import { startK0sDownloadServer, type DownloadServer } from "../../scripts/local/k0s-download-server";
import { REPO_ROOT, queryLocalD1 } from "../../scripts/local/local-api";
import { startLocalStack, type LocalStack } from "../../scripts/local/stack";

/** Simulated hosts + k0s download server + local API + relay, as `npm run demo` runs them. */
export interface E2eEnv {
  dir: string;
  simDir: string;
  hosts: SimCluster;
  download: DownloadServer;
  stack: LocalStack;
  /** Load an examples/local file (or YAML text) with this environment's paths and host addresses substituted. */
  spec(example: string, edit?: (yaml: string) => string): Promise<ClusterSpec>;
  /**
   * The address that plays examples' 127.0.0.N here: every file runs on its own
   * range (firstOctet) so e2e files can run side by side.
   */
  ip(n: number): string;
  apply(spec: ClusterSpec, query?: string): Promise<RunOutcome>;
  /** Run a command on a simulated host over real ssh. */
  ssh(index: number, command: string): Promise<{ code: number; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

export type RunEvent = StreamedRunEvent;

export interface RunOutcome {
  id: string;
  status: string;
  error: string | null;
  events: RunEvent[];
}

/** Example files and tests name hosts 127.0.0.11 up to .30; a file on another range shifts them all. */
export function shiftAddresses(text: string, firstOctet: number): string {
  return text.replace(/\b127\.0\.0\.(1[1-9]|2[0-9]|30)\b(?![.\d])/g, (_, n: string) => `127.0.0.${Number(n) - 11 + firstOctet}`);
}

export async function startE2e(opts: { count: number; hostnames?: string[]; allowHooks?: boolean; firstOctet?: number; backups?: { keep: number }; vars?: Record<string, string> }): Promise<E2eEnv> {
  const firstOctet = opts.firstOctet ?? 11;
  const dir = await mkdtemp(join(tmpdir(), "keel-e2e-"));
  const simDir = join(dir, "sim");
  // The hosts and the API + relay don't depend on each other: start them side
  // by side (each is seconds of mostly waiting), and stop whichever started
  // if the other did not. The relay may fetch from the k0s download server only.
  const download = await startK0sDownloadServer();
  const [hostsStarted, stackStarted] = await Promise.allSettled([
    startHosts({ count: opts.count, dir: simDir, hostnames: opts.hostnames, firstOctet }).then(async (h) => {
      await writeFixtureFiles(simDir);
      return h;
    }),
    freePort().then((port) =>
      startLocalStack({
        port,
        stateDir: join(dir, "state"),
        adminToken: `keel_admin_${randomBytes(18).toString("base64url")}`,
        uploadRoots: [join(simDir, "files")],
        allowedUrls: [`${download.url}/`],
        allowHooks: opts.allowHooks ?? false,
        ...(opts.backups ? { backups: opts.backups } : {}),
        ...(opts.vars ? { vars: opts.vars } : {}),
      }),
    ),
  ]);
  if (hostsStarted.status === "rejected" || stackStarted.status === "rejected") {
    if (stackStarted.status === "fulfilled") await stackStarted.value.stop();
    if (hostsStarted.status === "fulfilled") await hostsStarted.value.stop();
    await download.stop();
    throw hostsStarted.status === "rejected" ? hostsStarted.reason : (stackStarted as PromiseRejectedResult).reason;
  }
  const [hosts, stack] = [hostsStarted.value, stackStarted.value];
  const vars = { KEEL_SIM_DIR: simDir, KEEL_K0S_URL: download.url };
  const env: E2eEnv = {
    dir,
    simDir,
    hosts,
    download,
    stack,
    async spec(example, edit = (y) => y) {
      const text = example.includes("\n") ? example : await readFile(join(REPO_ROOT, "examples", "local", example), "utf8");
      const loaded = loadClusterYaml(shiftAddresses(edit(text), firstOctet), vars);
      if (!loaded.ok) throw new Error(`invalid spec: ${JSON.stringify(loaded.errors)}`);
      return loaded.spec;
    },
    async apply(spec, query = "") {
      const name = spec.metadata.name;
      const body = { site: stack.site, spec };
      try {
        await stack.admin.json("POST", "/v1/clusters", ClusterWriteResponse, { body });
      } catch (err) {
        if (!(err instanceof ApiFailure && err.status === 409)) throw err;
        await stack.admin.json("PUT", `/v1/clusters/${name}`, ClusterWriteResponse, { body });
      }
      const started = await stack.admin.json("POST", `/v1/clusters/${name}/apply${query}`, StartedRun);
      const events: RunEvent[] = [];
      const run = await followRun(stack.admin, started.run.id, (e) => events.push(e), AbortSignal.timeout(300_000));
      return { id: started.run.id, status: run.status, error: run.error, events };
    },
    ip: (n) => `127.0.0.${n - 11 + firstOctet}`,
    ssh: (index, command) => {
      const host = hosts.hosts[index];
      if (!host) throw new Error(`no host ${index}`);
      return sshRun(hosts, host, command);
    },
    async stop() {
      await stack.stop();
      await download.stop();
      await hosts.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return env;
}

export interface NodeView {
  name: string;
  ready: boolean;
  version: string;
}

/** Nodes as the cluster's own `k0s kubectl get nodes -o json` reports them, asked on a controller. */
export async function nodesOf(env: E2eEnv, controllerIndex = 0): Promise<NodeView[]> {
  const res = await env.ssh(controllerIndex, "k0s kubectl get nodes -o json");
  if (res.code !== 0) throw new Error(`kubectl get nodes failed: ${res.stderr}`);
  const list = JSON.parse(res.stdout) as {
    items: { metadata: { name: string }; status: { conditions?: { type: string; status: string }[]; nodeInfo?: { kubeletVersion?: string } } }[];
  };
  return list.items
    .map((n) => ({
      name: n.metadata.name,
      ready: (n.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
      version: n.status.nodeInfo?.kubeletVersion ?? "",
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function messages(run: RunOutcome): string[] {
  return run.events.map((e) => e.message);
}

/** The real `keel` CLI (bin/keel.js) against this environment's API, as a user runs it. */
export function keelCli(env: E2eEnv, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, "bin", "keel.js"), ...args], {
      env: { ...process.env, KEEL_API_URL: env.stack.api.url, KEEL_TOKEN: env.stack.api.adminToken, KEEL_SIM_DIR: env.simDir, KEEL_K0S_URL: env.download.url },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("exit", (code) => resolve({ code, out }));
  });
}

/** A spec's first `count` hosts only (the examples list hosts as `  - ssh:` entries before `  k0s:`). */
export function firstHosts(yaml: string, count: number): string {
  const start = yaml.indexOf("\n  hosts:\n") + "\n  hosts:\n".length;
  const end = yaml.indexOf("\n  k0s:\n");
  const entries = yaml.slice(start, end + 1).split(/(?=^ {2}- )/m);
  return yaml.slice(0, start) + entries.slice(0, count).join("") + yaml.slice(end + 1);
}

/** Every file under `dir`, as text, for scans that a secret never landed there. */
export async function filesUnder(dir: string): Promise<{ path: string; text: string }[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  return Promise.all(files.map(async (path) => ({ path, text: await readFile(path, "latin1") })));
}

/** Every row of every D1 table (Cloudflare's own excepted), as one text, for scans that a secret never landed there. */
export async function d1Text(env: E2eEnv): Promise<string> {
  const persistTo = join(env.dir, "state", "wrangler");
  const tables = (await queryLocalD1(persistTo, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'")).map((r) => String(r.name));
  const rows: Record<string, unknown>[][] = [];
  for (const t of tables) rows.push(await queryLocalD1(persistTo, `SELECT * FROM "${t}"`));
  return JSON.stringify(rows);
}

/** Every join token the stand-ins ever issued, as the texts that must never leave the private network: the token, its secret, `id.secret`. */
export async function issuedJoinTokenTexts(env: E2eEnv): Promise<string[]> {
  const dir = join(env.hosts.clusterStateDir, "issued-tokens");
  const files = await readdir(dir).catch(() => []);
  const issued = await Promise.all(files.map(async (f) => JSON.parse(await readFile(join(dir, f), "utf8")) as { id: string; secret: string; token: string }));
  return issued.flatMap((t) => [t.token, t.secret, `${t.id}.${t.secret}`]);
}
