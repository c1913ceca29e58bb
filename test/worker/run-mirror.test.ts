import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CreatedRelay } from "../../schema/api";
import { RunEventsPage } from "../../schema/run-api";
import { call, jsonBody, uniqueName } from "./helpers";
import { getRun, startRun } from "./run-helpers";
import { RelaySocket, healthyResult, waitFor } from "./relay-socket";

/** One worker host on its own site, with a connected relay that answers only when told. */
async function clusterWithRelay() {
  const site = uniqueName("site");
  const cluster = uniqueName("mirror");
  const spec = { apiVersion: "k0sctl.k0sproject.io/v1beta1", kind: "Cluster", metadata: { name: cluster }, spec: { hosts: [{ ssh: { address: "127.0.0.11", keyPath: "/k" }, role: "controller" }] } };
  expect((await call("POST", "/v1/clusters", jsonBody({ site, spec }))).status).toBe(201);
  const { token } = CreatedRelay.parse((await call("POST", "/v1/relays", jsonBody({ name: uniqueName("relay"), site }))).json);
  return { cluster, relay: await RelaySocket.connect(token, site) };
}

async function eventMessages(id: string): Promise<string[]> {
  return RunEventsPage.parse((await call("GET", `/v1/runs/${id}/events?limit=1000`)).json).events.map((e) => e.message);
}

describe("the D1 mirror of a run", () => {
  it("catches up after a failed D1 write: the run page is right once D1 takes writes again, with every event once", async () => {
    const { cluster, relay } = await clusterWithRelay();
    const id = await startRun(cluster, "facts");
    const connect = await relay.next("connect step", (f) => f.type === "step.run");
    if (connect.type !== "step.run") throw new Error("not a step");

    // D1 refuses the mirror's writes (its events table is gone) while the step finishes.
    await env.DB.exec("ALTER TABLE run_events RENAME TO run_events_away");
    relay.finish(connect, healthyResult(connect.step));
    await waitFor("the next phase's step", () => relay.stepRuns().length === 2);
    expect((await getRun(id)).phases[0]?.hosts[0]?.status).toBe("running");

    await env.DB.exec("ALTER TABLE run_events_away RENAME TO run_events");
    await runDurableObjectAlarm(env.CLUSTER.get(env.CLUSTER.idFromName(cluster)));
    const view = await getRun(id);
    expect(view.phases[0]?.hosts[0]).toMatchObject({ stepId: "connect:127.0.0.11:22", status: "succeeded" });
    expect(view.phases[1]?.hosts[0]?.status).toBe("running");
    const messages = await eventMessages(id);
    expect(messages.filter((m) => m === "[ssh] 127.0.0.11:22: connected")).toHaveLength(1);
    expect(messages.filter((m) => m === "==> Running phase: Detect host operating systems")).toHaveLength(1);

    relay.autoAnswer((step) => healthyResult(step));
    for (const frame of relay.stepRuns().slice(1)) relay.finish(frame, healthyResult(frame.step));
    await waitFor("the run to end", async () => (await getRun(id)).status === "succeeded");
    relay.close();
  });
});
