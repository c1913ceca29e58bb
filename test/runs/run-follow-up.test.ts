import { describe, expect, it } from "vitest";
import { backupAddresses, type RestoreSource } from "../../worker/planner/restore-source";
import { seedHosts, spec } from "../planner/fixtures";
import { EngineHarness, inputs, ok, succeedAll, type Answer } from "./engine-harness";

// A restore's follow-up: planned once the best-effort worker checks are in,
// from which of them failed (the engine does not change per operation; it
// asks the operation's followUp).

const seed = () => spec(seedHosts());
const source = (): RestoreSource => ({ backup: { id: "run_1", cluster: "k0s-cluster", status: "verified", error: null, sha256: "b".repeat(64), addresses: backupAddresses(seed()) }, reset: "k0s-cluster" });

// Every host runs k0s 1.21.2 before the restore; the check of 10.0.0.15's node fails.
const cluster = (failing: string | null): Answer => (step) => {
  const n = Number(step.host.address.split(".").pop());
  if (step.kind === "host.facts") return ok({ facts: { arch: "x86_64", hostname: `k${n}`, privateAddress: step.host.address } });
  if (step.kind === "k0s.facts") return ok({ k0s: { running: true, installedVersion: "v1.21.2+k0s.1", role: n <= 13 ? "controller+worker" : "worker", nodeName: `k${n}` } });
  if (failing && step.id === `restored-ready:${failing}`) return { ok: false, exitCode: null, stdout: "", stderr: "", durationMs: 1, error: { code: "timeout", message: "node k15 is not Ready" } };
  return succeedAll(step);
};

describe("a restore's follow-up (run engine)", () => {
  it("rejoins the worker whose check failed, then disconnects, and the run succeeds", () => {
    const h = new EngineHarness(inputs(seed(), { spec: seed() }));
    h.start("restore", { restore: source() });
    h.run(cluster("10.0.0.15:22"));
    expect(h.state.status, h.state.error ?? "").toBe("succeeded");
    const names = h.state.plan.phases.map((p) => p.name);
    expect(names.slice(-3)).toEqual(["Check workers are Ready", "Rejoin workers", "Disconnect from hosts"]);
    const rejoined = h.sent.filter((s) => s.id.startsWith("rejoin-")).map((s) => `${s.kind}@${s.host.address}`);
    expect(rejoined).toContain("k0s.install@10.0.0.15");
    expect(rejoined.some((s) => s.endsWith("10.0.0.14"))).toBe(false);
    expect(h.events()).toContain("worker 10.0.0.15:22 (node k15) did not come back Ready after the restore: rejoining it");
    expect(h.events().some((m) => m.startsWith("==> Finished phase: Check workers are Ready") && m.endsWith("1 step failed (see above)"))).toBe(true);
  });

  it("rejoins nothing when every worker came back", () => {
    const h = new EngineHarness(inputs(seed(), { spec: seed() }));
    h.start("restore", { restore: source() });
    h.run(cluster(null));
    expect(h.state.status).toBe("succeeded");
    expect(h.state.plan.phases.map((p) => p.name).slice(-2)).toEqual(["Check workers are Ready", "Disconnect from hosts"]);
    expect(h.sent.filter((s) => s.id.startsWith("rejoin-"))).toEqual([]);
  });

  it("fails the run when a rejoined worker does not come back either", () => {
    const h = new EngineHarness(inputs(seed(), { spec: seed() }));
    h.start("restore", { restore: source() });
    const still: Answer = (step) => (step.id === "rejoin-ready:10.0.0.15:22" ? { ok: false, exitCode: null, stdout: "", stderr: "", durationMs: 1, error: { code: "timeout", message: "node k15 is not Ready" } } : cluster("10.0.0.15:22")(step));
    h.run(still);
    expect(h.state.status).toBe("failed");
    expect(h.state.error).toContain("Rejoin workers");
    // its token is invalidated by the cleanup
    expect(h.sent.map((s) => s.id)).toContain("cleanup-rejoin-token-invalidate:10.0.0.15:22");
  });
});
