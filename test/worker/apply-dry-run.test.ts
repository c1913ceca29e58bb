import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DryRunResponse } from "../../schema/run-api";
import { call } from "./helpers";
import { RelaySocket } from "./relay-socket";
import { GATHER, applyFresh, seed21Spec } from "./apply-helpers";
import { clusterOnSite } from "./cluster-on-site";

describe("apply dry run", { timeout: 60_000 }, () => {
  it("plans from the stored facts, starts no run, touches no host, and is audited", async () => {
    const f = await clusterOnSite(seed21Spec());
    const relay = await RelaySocket.connect(f.token, f.site);
    const res = await call("POST", `/v1/clusters/${f.cluster}/apply?dryRun=true`);
    expect(res.status, res.text).toBe(200);
    const body = DryRunResponse.parse(res.json);
    expect(body.plan.phases.map((p) => p.name).slice(0, 5)).toEqual([...GATHER, "Stage k0s binaries on hosts"]);
    expect(body.plan.phases.find((p) => p.name === "Install workers")?.steps.find((s) => s.id === "install:127.0.0.14:22")).toEqual({ id: "install:127.0.0.14:22", kind: "k0s.install", host: "127.0.0.14:22" });
    expect(body.changes.hostsAdded).toHaveLength(5);
    expect(body.changes.actions["127.0.0.11:22"]).toBe("install");
    expect(body.warnings[0]).toContain("no k0s facts are stored for this cluster yet");
    const runs = await env.DB.prepare("SELECT COUNT(*) AS n FROM runs WHERE cluster = ?").bind(f.cluster).first<{ n: number }>();
    expect(runs?.n).toBe(0);
    expect(relay.stepRuns()).toEqual([]);
    const audit = await env.DB.prepare("SELECT action, outcome FROM audit_log WHERE cluster = ? ORDER BY seq DESC LIMIT 1").bind(f.cluster).first();
    expect(audit).toEqual({ action: "cluster.apply.dry_run", outcome: "ok" });

    // After an apply, the stored facts say the cluster runs: nothing left to do but disconnect.
    await applyFresh(f, relay);
    const after = DryRunResponse.parse((await call("POST", `/v1/clusters/${f.cluster}/apply?dryRun=true`)).json);
    expect(after.plan.phases.map((p) => p.name)).not.toContain("Install workers");
    expect(after.plan.phases.map((p) => p.name)).not.toContain("Initialize the k0s cluster");
    expect(Object.values(after.changes.actions)).toEqual(Array(5).fill("keep"));
    expect(after.warnings).toEqual([]);
    relay.close();
  });

  it("answers 422 with the planner's errors, 404 for an unknown cluster, 400 for a bad query", async () => {
    expect((await call("POST", "/v1/clusters/no-such-cluster/apply?dryRun=true")).status).toBe(404);
    const f = await clusterOnSite(seed21Spec());
    expect((await call("POST", `/v1/clusters/${f.cluster}/apply?dryRun=maybe`)).status).toBe(400);
    expect((await call("POST", `/v1/clusters/${f.cluster}/apply?timeout=0`)).status).toBe(400);
  });
});
