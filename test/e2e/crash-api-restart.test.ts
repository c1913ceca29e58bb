import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StartedRun } from "../../cli/responses";
import { SEED_32_ONCE_EACH } from "./crash-ledger";
import { runView, startApply, startCrashStack, startSeedCluster, story, waitRunFinished, type CrashStack, type SeedCluster } from "./crash-support";
import { waitFor } from "./crash-waits";

// The local Workers runtime (wrangler + workerd) SIGKILLed while seed 3.2's
// "Install controllers" runs, and started again on the same local state and
// port. The run must end, never stay "running": resumed to success (or failed
// with a reason that says what to do), nothing run twice, and the cluster's
// lock free afterwards. Hosts 127.0.0.91-95.
describe.sequential("runs survive the API being restarted (seed 3.2)", () => {
  let crash: CrashStack;
  let seed: SeedCluster;
  let runId: string;

  beforeAll(async () => {
    crash = await startCrashStack();
    seed = await startSeedCluster(crash, { name: "crash-api", firstOctet: 91 });
  });
  afterAll(async () => {
    await seed?.stop();
    await crash?.stop();
  });

  it("a run interrupted during Install controllers ends, and nothing ran twice", async () => {
    runId = await startApply(crash, seed.spec);
    await waitFor("the Install controllers phase to start", 180_000, async () => (await runView(crash, runId)).phases.some((p) => p.name === "Install controllers" && p.status === "running"));
    await crash.stack.restartApi();
    const finished = await waitRunFinished(crash, runId);
    if (finished.run.status === "failed") expect(finished.run.error, story(finished)).toMatch(/re-?apply|retry|run .* again/i);
    else expect(finished.run.status, story(finished)).toBe("succeeded");
    expect(seed.counts()).toEqual(SEED_32_ONCE_EACH);
  });

  it("the cluster's lock is free afterwards: a facts run starts and succeeds", async () => {
    const started = await crash.client.json("POST", `/v1/clusters/${seed.name}/facts`, StartedRun);
    const finished = await waitRunFinished(crash, started.run.id);
    expect(finished.run.status, story(finished)).toBe("succeeded");
  });
});
