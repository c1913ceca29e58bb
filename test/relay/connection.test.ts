import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CloseCode, MAX_FRAME_BYTES, PROTOCOL_VERSION, type RelayMessage } from "../../schema/protocol";
import { StepResult } from "../../schema/steps";
import { startRelay, type RelayHandle } from "../../relay/main";
import { ApiStub, type StubConnection } from "./api-stub";
import { recordingLog, tempDir, waitFor } from "./helpers";

type Finished = Extract<RelayMessage, { type: "step.finished" }>;

describe("relay connection against a real WebSocket server", () => {
  let api: ApiStub;
  let relay: RelayHandle | undefined;
  let state: Awaited<ReturnType<typeof tempDir>>;
  let logs: ReturnType<typeof recordingLog>;

  beforeEach(async () => {
    api = await ApiStub.start();
    state = await tempDir("keel-conn-");
    logs = recordingLog();
  });
  afterEach(async () => {
    await relay?.stop();
    relay = undefined;
    await api.close();
    await state.remove();
  });

  async function start(heartbeatMs = 200): Promise<StubConnection> {
    relay = await startRelay(
      {
        api: { url: api.url, token: "relay-secret-token-123" },
        site: "dc1",
        stateDir: state.path,
        policy: { allowedHosts: ["127.0.0.0/8"] },
        heartbeatMs,
      },
      { log: logs.log, env: {} },
    );
    return waitFor(() => (api.latest?.frames.length ? api.latest : undefined), 5000, "hello");
  }

  const finishedFrames = (conn?: StubConnection): Finished[] =>
    (conn ? conn.frames : api.allFrames()).filter((f): f is Finished => f.type === "step.finished");

  it("sends hello with the bearer token, version and site", async () => {
    const conn = await start();
    expect(conn.request.headers.authorization).toBe("Bearer relay-secret-token-123");
    expect(conn.frames[0]).toEqual({ type: "hello", relayVersion: "0.1.0", protocolVersion: PROTOCOL_VERSION, site: "dc1", policy: { allowHooks: false } });
    expect(logs.lines.join("\n")).not.toContain("relay-secret-token-123");
  });

  it("sends heartbeats, and drops a connection whose heartbeats go unanswered", async () => {
    const conn = await start(150);
    await waitFor(() => conn.frames.filter((f) => f.type === "heartbeat").length >= 3, 3000, "heartbeats");
    expect(api.connections).toHaveLength(1);

    api.autoAck = false;
    await waitFor(() => api.connections.length >= 2 && api.latest?.frames[0]?.type === "hello", 5000, "reconnect after missed acks");
    expect(logs.lines.some((l) => l.includes("no heartbeat.ack"))).toBe(true);
  });

  it("reconnects and says hello again after the server terminates the socket", async () => {
    const first = await start();
    first.socket.terminate();
    const second = await waitFor(() => api.connections.length === 2 && api.latest?.frames[0] && api.latest, 5000, "reconnect");
    expect(second.frames[0]).toMatchObject({ type: "hello", site: "dc1", policy: { allowHooks: false } });
  });

  it("reconnects after close code replaced, and stops for good on revoked", async () => {
    const first = await start();
    first.socket.close(CloseCode.replaced, "replaced");
    const second = await waitFor(() => api.connections.length === 2 && api.latest?.frames[0] && api.latest, 5000, "reconnect");
    second.socket.close(CloseCode.revoked, "revoked");
    // `done` resolves "revoked" only on the path that schedules no reconnect,
    // so once it has, no further connection can come.
    expect(await relay?.done).toBe("revoked");
    const afterRevoke = logs.lines.slice(logs.lines.findIndex((l) => l.includes("not reconnecting")));
    expect(afterRevoke.filter((l) => l.includes("reconnecting in"))).toEqual([]);
    expect(api.connections).toHaveLength(2);
  });

  it("runs step.run: step.started then step.finished with a valid StepResult", async () => {
    const conn = await start();
    conn.send({ type: "welcome", relay: "r1", site: "dc1", heartbeatMs: 1000 });
    conn.send({ type: "step.run", cluster: "c1", runId: "run-1", step: { id: "d1", kind: "host.disconnect", host: { address: "127.0.0.11", port: 22, user: "root" } } });
    conn.send({ type: "step.run", cluster: "c1", runId: "run-1", step: { id: "p1", kind: "host.connect", host: { address: "192.0.2.1", port: 22, user: "root" } } });
    await waitFor(() => finishedFrames(conn).length === 2, 5000, "two results");

    const types = conn.frames.filter((f) => f.type.startsWith("step.")).map((f) => `${f.type}:${"stepId" in f ? f.stepId : ""}`);
    expect(types.indexOf("step.started:d1")).toBeLessThan(types.indexOf("step.finished:d1"));
    // Different hosts run in parallel, so the answers may come in either order.
    const d1 = finishedFrames(conn).find((f) => f.stepId === "d1");
    const p1 = finishedFrames(conn).find((f) => f.stepId === "p1");
    expect(StepResult.parse(d1?.result)).toMatchObject({ ok: true });
    expect(d1).toMatchObject({ cluster: "c1", runId: "run-1", stepId: "d1" });
    expect(p1?.result.error).toEqual({ code: "policy_denied", message: expect.stringContaining("192.0.2.1") });
  });

  it("answers a duplicate step.run from the journal", async () => {
    const conn = await start();
    const run = { type: "step.run", cluster: "c1", runId: "run-dup", step: { id: "s1", kind: "host.disconnect", host: { address: "127.0.0.11", port: 22, user: "root" } } } as const;
    conn.send(run);
    await waitFor(() => finishedFrames(conn).length === 1, 5000, "first result");
    conn.send(run);
    await waitFor(() => finishedFrames(conn).length === 2, 5000, "second result");
    const [first, second] = finishedFrames(conn);
    expect(second?.result).toEqual(first?.result);
    expect(logs.lines.filter((l) => l.includes("run-dup/s1") && l.includes("answered from journal"))).toHaveLength(1);
    expect(logs.lines.filter((l) => l.includes("run-dup/s1") && l.includes(": ok ("))).toHaveLength(1);
  });

  it("ignores invalid frames, answers a malformed step with invalid_step, and refuses oversized frames", async () => {
    const conn = await start();
    conn.socket.send("not json");
    conn.socket.send(JSON.stringify({ type: "nope" }));
    conn.socket.send(JSON.stringify({ type: "step.cancel" }));
    conn.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    // The envelope is fine but the step's address would inject shell: answered, never run.
    conn.send({ type: "step.run", cluster: "c1", runId: "run-bad", step: { id: "b1", kind: "host.os", host: { address: "$(reboot)", port: 22, user: "root" } } } as never);
    await waitFor(() => finishedFrames(conn).length === 1, 5000, "invalid_step answer");
    expect(finishedFrames(conn)[0]?.result.error?.code).toBe("invalid_step");
    expect(logs.lines.filter((l) => l.includes("ignoring invalid frame"))).toHaveLength(4);
    expect(api.connections).toHaveLength(1);

    conn.socket.send("x".repeat(MAX_FRAME_BYTES + 10));
    await waitFor(() => api.connections.length === 2 && api.latest?.frames[0], 5000, "reconnect after oversized frame");
    expect(conn.socket.readyState).toBeGreaterThanOrEqual(2);
    expect(api.invalidFrames).toEqual([]);
  });
});
