import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RelayMessage } from "../../schema/protocol";
import { StepResult } from "../../schema/steps";
import { startRelay, type RelayHandle } from "../../relay/main";
import { startHosts, type SimCluster, type SimHost } from "../../sim/harness";
import { ApiStub, type StubConnection } from "./api-stub";
import { recordingLog, tempDir, waitFor } from "./helpers";
import { installCountingUname, targetOf } from "./sim-relay";

type Finished = Extract<RelayMessage, { type: "step.finished" }>;

// The whole relay (startRelay) between a real ws server and real sshd hosts.
describe("relay end to end: WebSocket in, SSH out", () => {
  let cluster: SimCluster;
  let hostA: SimHost;
  let api: ApiStub;
  let relay: RelayHandle | undefined;
  let state: Awaited<ReturnType<typeof tempDir>>;
  let conn: StubConnection;
  let logs: ReturnType<typeof recordingLog>;

  beforeAll(async () => {
    cluster = await startHosts({ count: 2, firstOctet: 49 });
    const [a] = cluster.hosts;
    if (!a) throw new Error("no host");
    hostA = a;
  }, 120_000);
  afterAll(() => cluster?.stop());

  beforeEach(async () => {
    api = await ApiStub.start();
    state = await tempDir("keel-e2e-relay-");
    logs = recordingLog();
    relay = await startRelay(
      { api: { url: api.url, token: "e2e-relay-token" }, site: "lab", stateDir: state.path, policy: { allowedHosts: ["127.0.0.49", "127.0.0.50"] }, heartbeatMs: 1000 },
      { log: logs.log, env: {} },
    );
    conn = await waitFor(() => api.latest?.frames[0] && api.latest, 5000, "hello");
  });
  afterEach(async () => {
    await relay?.stop();
    await api.close();
    await state.remove();
  });

  const finished = (): Finished[] => conn.frames.filter((f): f is Finished => f.type === "step.finished");
  const result = (stepId: string) => finished().find((f) => f.stepId === stepId)?.result;
  const order = () => conn.frames.filter((f) => f.type.startsWith("step.")).map((f) => `${f.type.slice(5)}:${"stepId" in f ? f.stepId : ""}`);

  it("runs a host's steps in order and reports validated facts", async () => {
    const host = targetOf(cluster, hostA);
    for (const [id, kind] of [["c", "host.connect"], ["o", "host.os"], ["f", "host.facts"], ["d", "host.disconnect"]] as const) {
      conn.send({ type: "step.run", cluster: "lab-1", runId: "run-e2e", step: { id, kind, host } });
    }
    await waitFor(() => finished().length === 4, 20_000, "four results");
    expect(order()).toEqual(["started:c", "finished:c", "started:o", "finished:o", "started:f", "finished:f", "started:d", "finished:d"]);
    for (const f of finished()) expect(StepResult.safeParse(f.result).success).toBe(true);
    expect(result("c")?.facts?.hostKeyFingerprint).toBe(hostA.hostKeyFingerprint);
    expect(result("o")?.facts?.os?.id).toBe("debian");
    expect(result("f")?.facts?.hostname).toBe(hostA.hostname);
  });

  it("answers a duplicate step.run from the journal without running it again", async () => {
    const uname = await installCountingUname(hostA);
    try {
      const run = { type: "step.run", cluster: "lab-1", runId: "run-dup", step: { id: "os", kind: "host.os", host: targetOf(cluster, hostA) } } as const;
      conn.send(run);
      await waitFor(() => finished().length === 1, 10_000, "first");
      conn.send(run);
      await waitFor(() => finished().length === 2, 10_000, "second");
      expect(finished()[1]?.result).toEqual(finished()[0]?.result);
      expect(await uname.calls()).toBe(1);
    } finally {
      await uname.remove();
    }
  });

  it("step.cancel aborts the running step and the queued ones of the run", async () => {
    const uname = await installCountingUname(hostA);
    await uname.hold(true);
    try {
      const host = targetOf(cluster, hostA);
      conn.send({ type: "step.run", cluster: "lab-1", runId: "run-cancel", step: { id: "slow", kind: "host.os", host } });
      conn.send({ type: "step.run", cluster: "lab-1", runId: "run-cancel", step: { id: "next", kind: "host.facts", host } });
      await waitFor(() => order().includes("started:slow"), 10_000, "started");
      // Wait until the step has reached the host and blocks in the held `uname`.
      await waitFor(async () => (await uname.calls()) >= 1, 10_000, "the held uname to run");
      expect(await uname.calls()).toBe(1);
      conn.send({ type: "step.cancel", runId: "run-cancel" });
      // The held command would block forever: only the cancel can answer both.
      await waitFor(() => finished().length === 2, 15_000, "both answered");
      expect(result("slow")?.error?.code).toBe("cancelled");
      expect(result("next")?.error?.code).toBe("cancelled");
    } finally {
      await uname.remove();
    }
  });

  it("a result finished while the socket was down is sent after the next hello", async () => {
    const uname = await installCountingUname(hostA);
    await uname.hold(true);
    try {
      conn.send({ type: "step.run", cluster: "lab-1", runId: "run-resume", step: { id: "os", kind: "host.os", host: targetOf(cluster, hostA) } });
      await waitFor(() => order().includes("started:os"), 10_000, "started");
      conn.socket.terminate();
      await uname.hold(false);
      const next = await waitFor(() => (api.connections.length === 2 && api.latest?.frames.some((f) => f.type === "step.finished") ? api.latest : undefined), 10_000, "result on the new connection");
      expect(next.frames[0]?.type).toBe("hello");
      const done = next.frames.find((f): f is Finished => f.type === "step.finished");
      expect(done).toMatchObject({ runId: "run-resume", stepId: "os", result: { ok: true } });
    } finally {
      await uname.remove();
    }
  });

  it("a step interrupted by the relay's own restart is neither answered nor journaled, so it runs again", async () => {
    const uname = await installCountingUname(hostA);
    await uname.hold(true);
    try {
      const run = { type: "step.run", cluster: "lab-1", runId: "run-restart", step: { id: "os", kind: "host.os", host: targetOf(cluster, hostA) } } as const;
      conn.send(run);
      await waitFor(async () => (await uname.calls()) >= 1, 10_000, "the held uname to run");
      await relay?.stop();
      expect(finished().some((f) => f.stepId === "os")).toBe(false);
      await uname.hold(false);
      // Same state dir: the journal must not answer "cancelled" for the redelivered step.
      relay = await startRelay(
        { api: { url: api.url, token: "e2e-relay-token" }, site: "lab", stateDir: state.path, policy: { allowedHosts: ["127.0.0.49", "127.0.0.50"] }, heartbeatMs: 1000 },
        { log: logs.log, env: {} },
      );
      const again = await waitFor(() => (api.connections.length === 2 && api.latest?.frames[0] ? api.latest : undefined), 5000, "second hello");
      again.send(run);
      const done = await waitFor(() => again.frames.find((f): f is Finished => f.type === "step.finished"), 10_000, "result");
      expect(done.result.ok).toBe(true);
      expect(await uname.calls()).toBe(2);
    } finally {
      await uname.remove();
    }
  });

  it("stop() closes the socket with 1000", async () => {
    const closed = new Promise<number>((resolve) => conn.socket.once("close", (code) => resolve(code)));
    await relay?.stop();
    expect(await closed).toBe(1000);
    relay = undefined;
  });
});
