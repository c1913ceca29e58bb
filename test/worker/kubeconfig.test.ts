import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Step } from "../../schema/steps";
import { call, dumpDatabase, errorOf } from "./helpers";
import { RelaySocket, waitFor } from "./relay-socket";
import { KUBECONFIG, applyFresh, seed21Spec } from "./apply-helpers";
import { clusterOnSite } from "./cluster-on-site";

describe("GET /v1/clusters/:name/kubeconfig", { timeout: 60_000 }, () => {
  it("returns the leader's admin kubeconfig through the relay, stores it nowhere, and audits it", async () => {
    const f = await clusterOnSite(seed21Spec());
    const relay = await RelaySocket.connect(f.token, f.site);
    await applyFresh(f, relay, { secretStdout: KUBECONFIG });
    const res = await call("GET", `/v1/clusters/${f.cluster}/kubeconfig`);
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/yaml");
    expect(res.text).toBe(KUBECONFIG);
    const step = relay.stepRuns().find((fr) => fr.step.kind === "k0s.kubeconfig.admin")?.step as Extract<Step, { kind: "k0s.kubeconfig.admin" }> | undefined;
    expect(step).toMatchObject({ host: { address: "127.0.0.11" }, server: "https://127.0.0.11:6443", installPath: "/usr/local/bin/k0s", dataDir: "/var/lib/k0s" });

    expect(await dumpDatabase()).not.toContain("S0VFTC1LVUJFQ09ORklHLVNFQ1JFVA==");
    const audit = await env.DB.prepare("SELECT actor, action, outcome, details FROM audit_log WHERE cluster = ? ORDER BY seq DESC LIMIT 1").bind(f.cluster).first<{ details: string }>();
    expect(audit).toMatchObject({ actor: "bootstrap", action: "cluster.kubeconfig", outcome: "ok" });
    expect(JSON.parse(audit?.details ?? "{}")).toEqual({ leader: "127.0.0.11:22", relay: f.relay });

    relay.close();
    await waitFor("relay offline", async () => (await env.DB.prepare("SELECT online FROM relays WHERE name = ?").bind(f.relay).first<{ online: number }>())?.online === 0);
    const offline = await call("GET", `/v1/clusters/${f.cluster}/kubeconfig`);
    expect(offline.status).toBe(503);
    expect(errorOf(offline).code).toBe("relay_unavailable");
  });

  it("answers 409 before any apply found a running controller", async () => {
    const f = await clusterOnSite(seed21Spec());
    const res = await call("GET", `/v1/clusters/${f.cluster}/kubeconfig`);
    expect(res.status).toBe(409);
    expect(errorOf(res).message).toContain("no running controller is known");
  });
});
