// `npm run demo`: five simulated hosts (real sshd), the local API and a relay,
// then the facts run for the local variant of the seed article's section 2.1
// example, printed the way k0sctl prints its phases. Everything is torn down at the end.
import { randomBytes } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { loadClusterYaml } from "../schema/cluster-load";
import { startHosts, writeFixtureFiles } from "../test/hosts/harness";
import { freePort } from "./local/free-port";
import { followRun, formatEvent } from "./local/follow-run";
import { REPO_ROOT } from "./local/local-api";
import { startLocalStack } from "./local/stack";

const example = process.argv[2] ?? join(REPO_ROOT, "examples", "local", "seed-2.1-basic.yaml");
const demoDir = join(REPO_ROOT, ".keel", "demo");
await rm(demoDir, { recursive: true, force: true });
const simDir = join(demoDir, "sim");

console.log("starting 5 simulated hosts (sshd on 127.0.0.11-15)…");
const hosts = await startHosts({ count: 5, dir: simDir, hostnames: ["k1", "k2", "k3", "k4", "k5"] });
let exitCode = 1;
try {
  await writeFixtureFiles(simDir);
  console.log("starting the API (wrangler dev, local D1) and a relay…");
  const stack = await startLocalStack({
    port: await freePort(),
    stateDir: join(demoDir, "state"),
    adminToken: `keel_admin_${randomBytes(18).toString("base64url")}`,
    uploadRoots: [join(simDir, "files")],
  });
  try {
    const loaded = loadClusterYaml(await readFile(example, "utf8"), { ...process.env, KEEL_SIM_DIR: simDir });
    if (!loaded.ok) throw new Error(`${example} is invalid:\n${loaded.errors.map((e) => `  ${e.path}: ${e.message}`).join("\n")}`);
    const name = loaded.spec.metadata.name;
    await stack.admin.call("POST", "/v1/clusters", { site: stack.site, spec: loaded.spec });
    console.log(`cluster ${name} stored; running facts through relay ${stack.relayName}\n`);
    const started = (await stack.admin.call("POST", `/v1/clusters/${name}/facts`)) as { run: { id: string } };
    const run = await followRun(stack.admin, started.run.id, (e) => console.log(formatEvent(e)));
    console.log(`\nrun ${run.id}: ${run.status}${run.error ? ` — ${run.error}` : ""}`);
    const cluster = (await stack.admin.call("GET", `/v1/clusters/${name}`)) as { cluster: { facts: Record<string, { hostname?: string; arch?: string; privateAddress?: string; os?: { name: string } }> | null } };
    for (const [host, f] of Object.entries(cluster.cluster.facts ?? {})) {
      console.log(`  ${host.padEnd(16)} ${String(f.hostname).padEnd(6)} ${String(f.arch).padEnd(6)} ${f.os?.name ?? "?"}  private ${f.privateAddress ?? "?"}`);
    }
    exitCode = run.status === "succeeded" ? 0 : 1;
  } finally {
    await stack.stop();
  }
} finally {
  await hosts.stop();
}
process.exit(exitCode);
