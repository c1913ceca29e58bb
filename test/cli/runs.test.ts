import { afterAll, describe, expect, it } from "vitest";
import { openEventStream, runEvent, sendError, sendJson, startStubApi, TOKEN, type StubApi } from "./keel-api-stub";
import { keel } from "./keel-process";

const stubs: StubApi[] = [];
afterAll(() => Promise.all(stubs.map((s) => s.close())));

const RUN = {
  id: "run-7",
  cluster: "lab",
  operation: "facts",
  status: "failed",
  revision: 2,
  requestedBy: "admin",
  createdAt: 1,
  error: "10.0.0.2:22: ssh_auth: permission denied",
  startedAt: 1000,
  finishedAt: 4200,
  durationMs: 3200,
  phases: [
    {
      name: "Connect to hosts",
      status: "failed",
      startedAt: 1000,
      finishedAt: 4200,
      durationMs: 3200,
      hosts: [
        { host: "10.0.0.1:22", stepId: "s1", kind: "host.connect", status: "succeeded", exitCode: 0, error: null, stderr: null, startedAt: 1000, finishedAt: 1300, durationMs: 300 },
        { host: "10.0.0.2:22", stepId: "s2", kind: "host.connect", status: "failed", exitCode: null, error: "ssh_auth: permission denied", stderr: null, startedAt: 1000, finishedAt: 4200, durationMs: 3200 },
      ],
    },
  ],
};

async function runsApi(): Promise<StubApi> {
  const api = await startStubApi({
    "POST /v1/clusters/lab/facts": (_req, res) => sendJson(res, 202, { run: { ...RUN, status: "queued" } }),
    "GET /v1/runs/run-7": (_req, res) => sendJson(res, 200, { run: RUN }),
    "GET /v1/runs/run-7/events": (_req, res) => {
      const stream = openEventStream(res);
      stream.event("run-event", runEvent(1, "info", "phase.started", "==> Running phase: Connect to hosts"), 1);
      stream.event("run-event", runEvent(2, "info", "step.finished", "[ssh] 10.0.0.1:22: connected", "10.0.0.1:22"), 2);
      stream.event("run-event", runEvent(3, "error", "run.finished", `Run failed: ${RUN.error}`), 3);
      stream.event("end", { status: "failed", error: RUN.error });
      stream.end();
    },
    "GET /v1/runs/nope": (_req, res) => sendError(res, 404, "not_found", "run nope not found"),
  });
  stubs.push(api);
  return api;
}

const LOG = `INFO ==> Running phase: Connect to hosts\nINFO [ssh] 10.0.0.1:22: connected\nERROR Run failed: ${RUN.error}\n`;

describe.concurrent("keel facts and keel runs", { timeout: 120_000 }, () => {
  it("facts starts a run and follows it", async () => {
    const api = await runsApi();
    const run = await keel(["facts", "lab"], { env: { KEEL_API_URL: api.url, KEEL_TOKEN: TOKEN } });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(LOG);
    expect(api.calls()).toEqual(["POST /v1/clusters/lab/facts", "GET /v1/runs/run-7/events"]);
  });

  it("runs get prints phases and hosts; runs follow prints the log", async () => {
    const api = await runsApi();
    const env = { KEEL_API_URL: `${api.url}/`, KEEL_TOKEN: TOKEN };
    const get = await keel(["runs", "get", "run-7"], { env });
    expect(get).toEqual({
      code: 0,
      stderr: "",
      stdout: [
        "run run-7: facts of lab (revision 2), failed in 3.2s",
        `error: ${RUN.error}`,
        "  Connect to hosts: failed",
        "    10.0.0.1:22 host.connect: succeeded (0.3s)",
        "    10.0.0.2:22 host.connect: failed (3.2s): ssh_auth: permission denied",
        "",
      ].join("\n"),
    });
    const json = await keel(["runs", "get", "run-7", "--json"], { env });
    expect(JSON.parse(json.stdout)).toEqual(RUN);
    const follow = await keel(["runs", "follow", "run-7"], { env });
    expect(follow).toMatchObject({ code: 1, stdout: LOG });
    const missing = await keel(["runs", "get", "nope"], { env });
    expect(missing).toEqual({ code: 1, stdout: "", stderr: "error: run nope not found\n" });
  });

  it("refuses a malformed command line with exit 2", async () => {
    const env = { KEEL_API_URL: "http://127.0.0.1:9", KEEL_TOKEN: TOKEN };
    expect((await keel(["runs", "list"], { env })).code).toBe(2);
    expect((await keel(["runs", "get"], { env })).code).toBe(2);
    expect((await keel(["runs", "get", "a/b"], { env })).code).toBe(2);
    expect((await keel(["facts"], { env })).code).toBe(2);
  });
});
