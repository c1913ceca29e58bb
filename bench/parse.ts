// In-process hot paths: parsing and validating cluster files, planning.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { loadClusterYaml } from "../schema/cluster-load";
import { planFacts } from "../worker/planner/plan-facts";
import { REPO_ROOT } from "../scripts/local/local-api";
import { quantile } from "./stats";

async function measure(name: string, runs: number, fn: () => unknown): Promise<string> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return `| ${name} | ${runs} | ${quantile(times, 0.5).toFixed(2)} ms | ${quantile(times, 0.9).toFixed(2)} ms |`;
}

export async function runParse(): Promise<string> {
  const ha = await readFile(join(REPO_ROOT, "examples", "seed-3.2-ha-offline.yaml"), "utf8");
  const big = ha.replace(/(\n {2}hosts:\n)/, "$1" + Array.from({ length: 200 }, (_, i) => `  - ssh: {address: 10.1.${Math.floor(i / 250)}.${(i % 250) + 1}, keyPath: /k}\n    role: worker\n`).join(""));
  const loaded = loadClusterYaml(ha);
  if (!loaded.ok) throw new Error("seed 3.2 example does not validate");
  return [
    "| what | runs | median | p90 |",
    "| --- | ---: | ---: | ---: |",
    await measure("parse + validate seed 3.2 k0sctl.yaml (5 hosts)", 200, () => loadClusterYaml(ha)),
    await measure("parse + validate a 205-host k0sctl.yaml", 20, () => loadClusterYaml(big)),
    await measure("plan facts for 5 hosts", 1000, () => planFacts(loaded.spec)),
  ].join("\n");
}
