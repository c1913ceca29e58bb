import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadClusterYaml } from "../../schema/cluster-load";
import { startHosts, writeFixtureFiles, type SimCluster } from "../../sim/harness";
import { freePort } from "../../scripts/local/free-port";
import { followRun } from "../../cli/follow-run";
import { ClusterWriteResponse, StartedRun } from "../../cli/responses";
import type { RunEvent } from "./support";
import { queryLocalD1, REPO_ROOT } from "../../scripts/local/local-api";
import { startLocalStack, type LocalStack } from "../../scripts/local/stack";

// The whole flow on one machine: wrangler dev (workerd + local D1) ← relay
// process over a real WebSocket → five real sshd hosts.
describe("facts run end to end", () => {
  let dir: string;
  let hosts: SimCluster;
  let stack: LocalStack;
  const clusterName = "k0s-cluster";

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "keel-e2e-"));
    hosts = await startHosts({ count: 5, dir: join(dir, "sim"), hostnames: ["k1", "k2", "k3", "k4", "k5.example.com"] });
    await writeFixtureFiles(join(dir, "sim"));
    stack = await startLocalStack({
      port: await freePort(),
      stateDir: join(dir, "state"),
      adminToken: `keel_admin_${randomBytes(18).toString("base64url")}`,
      uploadRoots: [join(dir, "sim", "files")],
    });
    const yaml = await readFile(join(REPO_ROOT, "examples", "local", "seed-2.1-basic.yaml"), "utf8");
    const loaded = loadClusterYaml(yaml, { KEEL_SIM_DIR: join(dir, "sim") });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    const created = await stack.admin.send("POST", "/v1/clusters", { body: { site: stack.site, spec: loaded.spec } });
    expect(created.status).toBe(201);
    ClusterWriteResponse.parse(await created.json());
  });

  afterAll(async () => {
    await stack?.stop();
    await hosts?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function runFacts(): Promise<{ id: string; status: string; error: string | null; events: RunEvent[] }> {
    const started = await stack.admin.json("POST", `/v1/clusters/${clusterName}/facts`, StartedRun);
    const events: RunEvent[] = [];
    const run = await followRun(stack.admin, started.run.id, (e) => events.push(e), AbortSignal.timeout(120_000));
    return { id: started.run.id, status: run.status, error: run.error, events };
  }

  it("gathers facts from all five hosts and keeps the run, its steps and the facts in D1", async () => {
    const run = await runFacts();
    expect(run.status, run.error ?? "").toBe("succeeded");
    const messages = run.events.map((e) => e.message);
    expect(messages).toContain("==> Running phase: Connect to hosts");
    expect(messages).toContain("==> Running phase: Detect host operating systems");
    expect(messages).toContain("==> Running phase: Gather host facts");
    for (const h of hosts.hosts) expect(messages).toContain(`[ssh] ${h.address}:22: connected`);
    // The seed article warns that node hostnames must not be domain names.
    const warning = run.events.find((e) => e.level === "warn" && e.host === "127.0.0.15:22");
    expect(warning?.message).toMatch(/k5\.example\.com/);

    const persist = join(dir, "state", "wrangler");
    const runs = await queryLocalD1(persist, `SELECT id, status FROM runs WHERE id = '${run.id}'`);
    expect(runs).toEqual([{ id: run.id, status: "succeeded" }]);
    const steps = await queryLocalD1(persist, `SELECT status, COUNT(*) AS n FROM run_steps WHERE run_id = '${run.id}' GROUP BY status`);
    expect(steps).toEqual([{ status: "succeeded", n: 15 }]);
    const [row] = await queryLocalD1(persist, `SELECT facts FROM clusters WHERE name = '${clusterName}'`);
    const facts = JSON.parse(String(row?.facts)) as Record<string, { hostname: string; arch: string; os: { id: string } }>;
    expect(Object.keys(facts).sort()).toEqual(hosts.hosts.map((h) => `${h.address}:22`));
    expect(facts["127.0.0.11:22"]?.hostname).toBe("k1");
    expect(facts["127.0.0.15:22"]?.hostname).toBe("k5.example.com");
    expect(facts["127.0.0.12:22"]?.arch).toMatch(/^(amd64|arm64|arm)$/);
    expect(facts["127.0.0.13:22"]?.os.id).toBe("debian");
  });

  it("fails naming the host and the phase when one host's sshd is down, keeping the others' results", async () => {
    await hosts.stopHost(2);
    try {
      const run = await runFacts();
      expect(run.status).toBe("failed");
      expect(run.error).toContain("127.0.0.13:22");
      expect(run.error).toContain("Connect to hosts");
      const persist = join(dir, "state", "wrangler");
      const steps = await queryLocalD1(persist, `SELECT host, phase, status FROM run_steps WHERE run_id = '${run.id}' ORDER BY host, phase`);
      const connect = steps.filter((s) => s.phase === "Connect to hosts");
      expect(connect.filter((s) => s.status === "succeeded").map((s) => s.host)).toEqual(["127.0.0.11:22", "127.0.0.12:22", "127.0.0.14:22", "127.0.0.15:22"]);
      expect(connect.find((s) => s.host === "127.0.0.13:22")?.status).toBe("failed");
      expect(steps.filter((s) => s.phase !== "Connect to hosts").every((s) => s.status === "skipped")).toBe(true);
    } finally {
      await hosts.startHost(2);
    }
  });
});
