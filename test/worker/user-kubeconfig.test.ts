import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Step } from "../../schema/steps";
import { call, dumpDatabase, errorOf, jsonBody } from "./helpers";
import { RelaySocket } from "./relay-socket";
import { KUBECONFIG, applyFresh, seed21Spec } from "./apply-helpers";
import { clusterOnSite } from "./cluster-on-site";

const create = (cluster: string, body: unknown) => call("POST", `/v1/clusters/${cluster}/kubeconfigs`, jsonBody(body));
const lastAudit = (cluster: string) =>
  env.DB.prepare("SELECT actor, action, target, outcome, details FROM audit_log WHERE cluster = ? ORDER BY seq DESC LIMIT 1").bind(cluster).first<{ details: string | null }>();

describe("POST /v1/clusters/:name/kubeconfigs", { timeout: 60_000 }, () => {
  it("mints the user's kubeconfig on the leader through the relay, returns it once, stores it nowhere, and audits the certificate", async () => {
    const f = await clusterOnSite(seed21Spec());
    const relay = await RelaySocket.connect(f.token, f.site);
    await applyFresh(f, relay, { secretStdout: KUBECONFIG });
    const res = await create(f.cluster, { user: "alice", group: "developers" });
    expect(res.status, res.text).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.json).toEqual({ kubeconfig: KUBECONFIG, user: "alice", group: "developers", clusterAdmin: false, fingerprint: "AB:CD:EF", expiresAt: "2027-12-01T00:00:00.000Z" });
    const step = relay.stepRuns().find((fr) => fr.step.kind === "k0s.kubeconfig.create")?.step as Extract<Step, { kind: "k0s.kubeconfig.create" }> | undefined;
    expect(step).toMatchObject({ host: { address: "127.0.0.11" }, server: "https://127.0.0.11:6443", installPath: "/usr/local/bin/k0s", dataDir: "/var/lib/k0s", user: "alice", group: "developers" });

    expect(await dumpDatabase()).not.toContain("S0VFTC1LVUJFQ09ORklHLVNFQ1JFVA==");
    const audit = await lastAudit(f.cluster);
    expect(audit).toMatchObject({ actor: "bootstrap", action: "cluster.kubeconfig.create", target: "alice", outcome: "ok" });
    expect(JSON.parse(audit?.details ?? "{}")).toEqual({
      user: "alice", group: "developers", clusterAdmin: false, fingerprint: "AB:CD:EF", expiresAt: "2027-12-01T00:00:00.000Z", leader: "127.0.0.11:22", relay: f.relay,
    });
    relay.close();
  });

  it("hands out system:masters (the seed's testUser) only with clusterAdmin: true, and says what it is", async () => {
    const f = await clusterOnSite(seed21Spec());
    const relay = await RelaySocket.connect(f.token, f.site);
    await applyFresh(f, relay, { secretStdout: KUBECONFIG });
    const refused = await create(f.cluster, { user: "testUser", group: "system:masters" });
    expect(refused.status).toBe(400);
    expect(errorOf(refused).details?.[0]).toMatchObject({ path: "group", message: expect.stringContaining("clusterAdmin: true") });
    expect(relay.stepRuns().some((fr) => fr.step.kind === "k0s.kubeconfig.create")).toBe(false);

    const res = await create(f.cluster, { user: "testUser", group: "system:masters", clusterAdmin: true });
    expect(res.status, res.text).toBe(201);
    expect(res.json).toMatchObject({ clusterAdmin: true, warning: expect.stringContaining("only a rotation of the cluster CA revokes it") });
    const details = JSON.parse((await lastAudit(f.cluster))?.details ?? "{}") as Record<string, unknown>;
    expect(details).toMatchObject({ user: "testUser", group: "system:masters", clusterAdmin: true, warning: expect.stringContaining("cluster-admin credential") });
    relay.close();
  });

  it.each([
    [{ user: "system:kube-scheduler", group: "dev" }, "user"],
    [{ user: "admin", group: "dev" }, "user"],
    [{ user: "etcd/peer", group: "dev" }, "user"],
    [{ user: "alice", group: "system:nodes" }, "group"],
    [{ user: "alice", group: "a,b" }, "group"],
  ])("refuses %j with a 400 naming %s, audited, before any step", async (body, field) => {
    const f = await clusterOnSite(seed21Spec());
    const res = await create(f.cluster, body);
    expect(res.status).toBe(400);
    expect(errorOf(res).code).toBe("validation_failed");
    expect(errorOf(res).message).toContain(`body: ${field}`);
    expect(await lastAudit(f.cluster)).toMatchObject({ action: "cluster.kubeconfig.create", outcome: "failed" });
  });

  it("answers 409 before any apply found a running controller", async () => {
    const f = await clusterOnSite(seed21Spec());
    const res = await create(f.cluster, { user: "alice", group: "dev" });
    expect(res.status).toBe(409);
    expect(errorOf(res).message).toContain("no running controller is known");
  });
});
