import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StartedRun } from "../../cli/responses";
import { readClusterState } from "../../sim/harness";
import { SEED_32_ONCE_EACH, failedNonRepeatable, succeededCounts } from "./crash-ledger";
import { runView, startApply, startCrashStack, startSeedCluster, stepStatus, story, waitRunFinished, type CrashStack, type SeedCluster } from "./crash-support";
import { waitFor } from "./crash-waits";

const RELAY_WAIT_SECONDS = 10;

// The relay SIGKILLed during seed 3.2's "Install controllers" and left down
// for longer than the API waits for a relay (RELAY_WAIT_SECONDS): the run
// must fail, saying which site's relay it waited for, and free the cluster
// for the next run once the relay is back. Hosts 127.0.0.101-105.
describe.sequential("a run whose relay stays offline fails cleanly (seed 3.2)", () => {
  let crash: CrashStack;
  let seed: SeedCluster;

  beforeAll(async () => {
    crash = await startCrashStack({ relayWaitSeconds: RELAY_WAIT_SECONDS });
    seed = await startSeedCluster(crash, { name: "crash-offline", firstOctet: 101 });
  });
  afterAll(async () => {
    await seed?.stop();
    await crash?.stop();
  });

  it("fails naming the relay's site, once the relay wait is over", async () => {
    const runId = await startApply(crash, seed.spec);
    await waitFor("k2's join token to be created", 180_000, async () => stepStatus(await runView(crash, runId), `token-create:${seed.key(2)}`) === "succeeded");
    await crash.stack.killRelay();
    const finished = await waitRunFinished(crash, runId);
    expect(finished.run.status, story(finished)).toBe("failed");
    expect(finished.run.error, story(finished)).toMatch(new RegExp(`relay.*"?${crash.stack.site}"?`));
    expect(finished.run.error).toContain(`${RELAY_WAIT_SECONDS}s`);
  });

  it("frees the cluster: once the relay is back, a facts run starts and succeeds", async () => {
    await crash.stack.startRelay();
    const started = await crash.client.json("POST", `/v1/clusters/${seed.name}/facts`, StartedRun);
    const finished = await waitRunFinished(crash, started.run.id);
    expect(finished.run.status, story(finished)).toBe("succeeded");
  });

  // The kill lands a moment after k2's token was created, so k2's install may
  // be under way: the relay's death hangs up on it (exit 129) and the next
  // apply installs k2 again, which is right. What must never happen is a
  // second install on a host whose first one succeeded.
  it("a new apply then finishes the cluster, installing each host successfully once", async () => {
    const runId = await startApply(crash, seed.spec);
    const finished = await waitRunFinished(crash, runId);
    expect(finished.run.status, story(finished)).toBe("succeeded");
    const installs = (counts: Readonly<Record<string, number>>) => Object.fromEntries(Object.entries(counts).filter(([key]) => key.includes("k0s install")));
    expect(installs(succeededCounts(seed.ledger()))).toEqual(installs(SEED_32_ONCE_EACH));
    expect(failedNonRepeatable(seed.ledger())).toEqual([]);
  });

  // The failed run created k2's controller join token (valid 30 minutes) and
  // could not invalidate it: its cleanup needs the relay, which was gone. The
  // cluster's next run (the facts run above) did that cleanup first, reading
  // the token from the failed run's secrets on the relay.
  it("leaves no join token of the failed run valid", () => {
    expect(readClusterState(seed.hosts.clusterStateDir).tokens).toEqual([]);
  });
});
