// `npm run bench`: how fast keel's hot paths are, written to BENCHMARKS.md.
// Measured here, never asserted in tests (timings depend on the machine).
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { loadClusterYaml } from "../schema/cluster-load";
import { planFacts } from "../worker/planner/plan-facts";
import { startHosts, writeFixtureFiles } from "../sim/harness";
import { freePort } from "../scripts/local/free-port";
import { followRun } from "../cli/follow-run";
import { ClusterWriteResponse, StartedRun } from "../cli/responses";
import { REPO_ROOT } from "../scripts/local/local-api";
import { startLocalStack } from "../scripts/local/stack";

interface Row {
  name: string;
  runs: number;
  medianMs: number;
  p90Ms: number;
}

async function measure(name: string, runs: number, fn: () => unknown): Promise<Row> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const pick = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
  return { name, runs, medianMs: pick(0.5), p90Ms: pick(0.9) };
}

const rows: Row[] = [];
const ha = await readFile(join(REPO_ROOT, "examples", "seed-3.2-ha-offline.yaml"), "utf8");
rows.push(await measure("parse + validate seed 3.2 k0sctl.yaml (5 hosts)", 200, () => loadClusterYaml(ha)));
const big = ha.replace(/(\n {2}hosts:\n)/, "$1" + Array.from({ length: 200 }, (_, i) => `  - ssh: {address: 10.1.${Math.floor(i / 250)}.${(i % 250) + 1}, keyPath: /k}\n    role: worker\n`).join(""));
rows.push(await measure("parse + validate a 205-host k0sctl.yaml", 20, () => loadClusterYaml(big)));
const loaded = loadClusterYaml(ha);
if (!loaded.ok) throw new Error("seed 3.2 example does not validate");
rows.push(await measure("plan facts for 5 hosts", 1000, () => planFacts(loaded.spec)));

// The whole path: API in workerd → relay over WebSocket → 5 sshd hosts and back.
const dir = await mkdtemp(join(tmpdir(), "keel-bench-"));
const hosts = await startHosts({ count: 5, dir: join(dir, "sim"), hostnames: ["k1", "k2", "k3", "k4", "k5"] });
try {
  await writeFixtureFiles(join(dir, "sim"));
  const stack = await startLocalStack({
    port: await freePort(),
    stateDir: join(dir, "state"),
    adminToken: `keel_admin_${randomBytes(18).toString("base64url")}`,
    uploadRoots: [join(dir, "sim", "files")],
  });
  try {
    const local = loadClusterYaml(await readFile(join(REPO_ROOT, "examples", "local", "seed-2.1-basic.yaml"), "utf8"), { KEEL_SIM_DIR: join(dir, "sim") });
    if (!local.ok) throw new Error("local seed 2.1 example does not validate");
    await stack.admin.json("POST", "/v1/clusters", ClusterWriteResponse, { body: { site: stack.site, spec: local.spec } });
    rows.push(
      await measure("facts run, 5 hosts, 3 phases (API → relay → sshd → D1)", 10, async () => {
        const started = await stack.admin.json("POST", `/v1/clusters/${local.spec.metadata.name}/facts`, StartedRun);
        const run = await followRun(stack.admin, started.run.id, () => undefined, AbortSignal.timeout(600_000));
        if (run.status !== "succeeded") throw new Error(`facts run ${run.status}: ${run.error}`);
      }),
    );
    // Apply of seed 3.2 (HA, offline: binary, bundle, CNI plugins uploaded) on the same hosts.
    const ha32 = loadClusterYaml(await readFile(join(REPO_ROOT, "examples", "local", "seed-3.2-ha-offline.yaml"), "utf8"), { KEEL_SIM_DIR: join(dir, "sim") });
    if (!ha32.ok) throw new Error("local seed 3.2 example does not validate");
    await stack.admin.json("PUT", `/v1/clusters/${ha32.spec.metadata.name}`, ClusterWriteResponse, { body: { site: stack.site, spec: ha32.spec } });
    const apply = async () => {
      const started = await stack.admin.json("POST", `/v1/clusters/${ha32.spec.metadata.name}/apply`, StartedRun);
      const run = await followRun(stack.admin, started.run.id, () => undefined, AbortSignal.timeout(600_000));
      if (run.status !== "succeeded") throw new Error(`apply ${run.status}: ${run.error}`);
    };
    rows.push(await measure("apply seed 3.2 on 5 fresh hosts (install, uploads, joins, Ready)", 1, apply));
    rows.push(await measure("re-apply seed 3.2, nothing to change (gather + checks)", 5, apply));
  } finally {
    await stack.stop();
  }
} finally {
  await hosts.stop();
  await rm(dir, { recursive: true, force: true });
}

const table = [
  "| what | runs | median | p90 |",
  "| --- | ---: | ---: | ---: |",
  ...rows.map((r) => `| ${r.name} | ${r.runs} | ${r.medianMs.toFixed(2)} ms | ${r.p90Ms.toFixed(2)} ms |`),
].join("\n");
const doc = `# Benchmarks

\`npm run bench\` writes this file. Machine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.
Runs are measured from the API call to the run's end, polled every 300 ms by the client, so
they include up to one polling interval. Simulated hosts play k0s with a stand-in (readiness after ~300 ms).

${table}
`;
await writeFile(join(REPO_ROOT, "BENCHMARKS.md"), doc);
console.log(doc);
