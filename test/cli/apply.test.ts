import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openEventStream, runEvent, sendError, sendJson, startStubApi, TOKEN, type StubApi } from "./keel-api-stub";
import { keel, startKeel } from "./keel-process";

const TMP = mkdtempSync(join(tmpdir(), "keel-cli-apply-"));
const stubs: StubApi[] = [];
afterAll(async () => {
  await Promise.all(stubs.map((s) => s.close()));
  rmSync(TMP, { recursive: true, force: true });
});

async function stub(routes: Parameters<typeof startStubApi>[0]): Promise<StubApi> {
  const api = await startStubApi(routes);
  stubs.push(api);
  return api;
}

function file(name: string, text: string): string {
  const path = join(TMP, name);
  writeFileSync(path, text);
  return path;
}

const LAB = file(
  "lab.yaml",
  "apiVersion: k0sctl.k0sproject.io/v1beta1\nkind: Cluster\nmetadata: {name: lab}\nspec:\n  hosts:\n  - role: single\n    ssh: {address: ${LAB_ADDR}}\n  k0s: {version: v1.30.1+k0s.0}\n",
);
const envFor = (api: StubApi, extra: Record<string, string> = {}) => ({ KEEL_API_URL: api.url, KEEL_TOKEN: TOKEN, LAB_ADDR: "10.0.0.1", ...extra });

const cluster = (revision: number) => ({ name: "lab", site: "default", currentRevision: revision, appliedRevision: null, createdAt: 1, updatedAt: 1, spec: {}, facts: null });
const started = { run: { id: "run-1", cluster: "lab", operation: "apply", status: "queued", revision: 2, requestedBy: "admin", createdAt: 1 } };

const APPLY_EVENTS = [
  runEvent(1, "info", "phase.started", "==> Running phase: Connect to hosts", null, "Connect to hosts"),
  runEvent(2, "info", "step.finished", "[ssh] 10.0.0.1:22: connected", "10.0.0.1:22", "Connect to hosts"),
  runEvent(3, "warn", "host.warning", '[ssh] 10.0.0.1:22: hostname "k1.lab" looks like a domain name', "10.0.0.1:22", "Gather host facts"),
  runEvent(4, "info", "phase.started", "==> Running phase: Install workers", null, "Install workers"),
  runEvent(5, "info", "step.finished", "installing k0s worker", "10.0.0.1:22", "Install workers"),
  runEvent(6, "info", "run.finished", "==> Finished in 12s"),
];

const K0SCTL_LOG = [
  "INFO ==> Running phase: Connect to hosts",
  "INFO [ssh] 10.0.0.1:22: connected",
  'WARN [ssh] 10.0.0.1:22: hostname "k1.lab" looks like a domain name',
  "INFO ==> Running phase: Install workers",
  "INFO [ssh] 10.0.0.1:22: installing k0s worker",
  "INFO ==> Finished in 12s",
  "",
].join("\n");

// Each run starts node and tsx (about two seconds): run the cases side by side.
describe.concurrent("keel apply", { timeout: 120_000 }, () => {
  it("updates an existing cluster (409 → PUT), applies it and prints the SSE run like k0sctl", async () => {
    const api = await stub({
      "POST /v1/clusters": (_req, res) => sendError(res, 409, "conflict", "cluster lab already exists"),
      "PUT /v1/clusters/lab": (_req, res) => sendJson(res, 200, { cluster: cluster(2), unchanged: false }),
      "POST /v1/clusters/lab/apply": (_req, res) => sendJson(res, 202, started),
      "GET /v1/runs/run-1/events": (_req, res) => {
        const stream = openEventStream(res);
        for (const e of APPLY_EVENTS) stream.event("run-event", e, e.id);
        stream.event("end", { status: "succeeded", error: null }, 6);
        stream.end();
      },
    });
    const run = await keel(["apply", "-c", LAB], { env: envFor(api) });
    expect(run.stderr).toBe("cluster lab: updated (revision 2)\nrun run-1 (Ctrl-C cancels it)\n");
    expect(run.stdout).toBe(K0SCTL_LOG);
    expect(run.code).toBe(0);

    expect(api.calls()).toEqual(["POST /v1/clusters", "PUT /v1/clusters/lab", "POST /v1/clusters/lab/apply", "GET /v1/runs/run-1/events"]);
    const [create, update, apply, events] = api.requests;
    // envsubst happened locally, from the CLI's environment.
    expect(create?.body).toMatchObject({ site: "default", spec: { metadata: { name: "lab" }, spec: { hosts: [{ ssh: { address: "10.0.0.1" } }] } } });
    // No --site: the update leaves the cluster's site alone.
    expect(update?.body).toEqual({ spec: (create?.body as { spec: unknown }).spec });
    expect(apply?.query).toEqual({});
    expect(events?.query).toEqual({ follow: "true" });
    expect(events?.headers.accept).toBe("text/event-stream");
    expect(events?.headers["last-event-id"]).toBeUndefined();
  });

  it("creates a new cluster on its site and passes --timeout", async () => {
    const api = await stub({
      "POST /v1/clusters": (_req, res) => sendJson(res, 201, { cluster: cluster(1) }),
      "POST /v1/clusters/lab/apply": (_req, res) => sendJson(res, 202, started),
      "GET /v1/runs/run-1/events": (_req, res) => {
        const stream = openEventStream(res);
        stream.event("end", { status: "succeeded", error: null, durationMs: 1500 });
        stream.end();
      },
    });
    const run = await keel(["apply", "-c", LAB, "--site", "dc1", "--timeout", "600"], { env: envFor(api) });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("cluster lab: created (revision 1)\n");
    // The run sent no run.finished event: the CLI closes the log itself.
    expect(run.stdout).toBe("INFO ==> Finished in 1.5s\n");
    expect(api.calls()).toEqual(["POST /v1/clusters", "POST /v1/clusters/lab/apply", "GET /v1/runs/run-1/events"]);
    expect(api.requests[0]?.body).toMatchObject({ site: "dc1" });
    expect(api.requests[1]?.query).toEqual({ timeout: "600" });
  });

  it("reconnects with Last-Event-ID when the stream drops, and exits 1 on a failed run", async () => {
    let connections = 0;
    const api = await stub({
      "POST /v1/clusters": (_req, res) => sendJson(res, 201, { cluster: cluster(1) }),
      "POST /v1/clusters/lab/apply": (_req, res) => sendJson(res, 202, started),
      "GET /v1/runs/run-1/events": (req, res) => {
        connections++;
        const stream = openEventStream(res);
        if (connections === 1) {
          stream.event("run-event", APPLY_EVENTS[0], 1);
          stream.event("run-event", APPLY_EVENTS[1], 2);
          setTimeout(() => stream.drop(), 50);
          return;
        }
        // A server may resend from an earlier point: the CLI prints each event once.
        const from = Number(req.headers["last-event-id"]) - 1;
        for (const e of APPLY_EVENTS.slice(from, 4)) stream.event("run-event", e, e.id);
        stream.event("run-event", runEvent(5, "error", "step.finished", "[ssh] 10.0.0.1:22: command_failed: exit 1: k0s: not found", "10.0.0.1:22"), 5);
        stream.event("end", { status: "failed", error: "10.0.0.1:22: command_failed: exit 1: k0s: not found" });
        stream.end();
      },
    });
    const run = await keel(["apply", "-c", LAB], { env: envFor(api) });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      [...K0SCTL_LOG.split("\n").slice(0, 4), "ERROR [ssh] 10.0.0.1:22: command_failed: exit 1: k0s: not found", "ERROR Run failed: 10.0.0.1:22: command_failed: exit 1: k0s: not found", ""].join("\n"),
    );
    const streams = api.requests.filter((r) => r.path === "/v1/runs/run-1/events");
    expect(streams.map((r) => r.headers["last-event-id"])).toEqual([undefined, "2"]);
  });

  it("falls back to polling when the API answers the stream request with JSON", async () => {
    let polls = 0;
    const api = await stub({
      "POST /v1/clusters": (_req, res) => sendJson(res, 201, { cluster: cluster(1) }),
      "POST /v1/clusters/lab/apply": (_req, res) => sendJson(res, 202, started),
      // Like the events route before SSE: ?follow is ignored and a page comes back.
      "GET /v1/runs/run-1/events": (req, res) => {
        const after = Number(req.query.after ?? 0);
        const known = APPLY_EVENTS.slice(0, polls < 2 ? 2 : 6);
        const events = known.filter((e) => e.id > after);
        sendJson(res, 200, { events, next: events.at(-1)?.id ?? after });
      },
      "GET /v1/runs/run-1": (_req, res) => {
        polls++;
        sendJson(res, 200, { run: { ...started.run, status: polls < 3 ? "running" : "succeeded", error: null, durationMs: 12_000 } });
      },
    });
    const run = await keel(["apply", "-c", LAB], { env: envFor(api) });
    expect(run.stderr).not.toContain("error");
    expect(run.stdout).toBe(K0SCTL_LOG);
    expect(run.code).toBe(0);
    expect(api.requests.filter((r) => r.query.after !== undefined).length).toBeGreaterThan(1);
  });

  it("polls after a 406 and reports a cancelled run with exit 1", async () => {
    const api = await stub({
      "POST /v1/clusters": (_req, res) => sendJson(res, 201, { cluster: cluster(1) }),
      "POST /v1/clusters/lab/apply": (_req, res) => sendJson(res, 202, started),
      "GET /v1/runs/run-1/events": (req, res) => {
        if (req.query.follow) return sendError(res, 406, "bad_request", "no event streams here");
        sendJson(res, 200, { events: Number(req.query.after) < 1 ? [APPLY_EVENTS[0]] : [], next: 1 });
      },
      "GET /v1/runs/run-1": (_req, res) => sendJson(res, 200, { run: { ...started.run, status: "cancelled", error: "cancelled by admin" } }),
    });
    const run = await keel(["apply", "-c", LAB], { env: envFor(api) });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("INFO ==> Running phase: Connect to hosts\nERROR Run cancelled: cancelled by admin\n");
  });

  it("prints a dry run's plan and changes, and starts nothing", async () => {
    const host = { address: "10.0.0.1", port: 22, user: "root" };
    const api = await stub({
      "POST /v1/clusters": (_req, res) => sendError(res, 409, "conflict", "exists"),
      "PUT /v1/clusters/lab": (_req, res) => sendJson(res, 200, { cluster: cluster(3), unchanged: true }),
      "POST /v1/clusters/lab/apply": (_req, res) =>
        sendJson(res, 200, {
          dryRun: true,
          revision: 3,
          plan: {
            phases: [
              { name: "Connect to hosts", steps: [{ id: "s1", kind: "host.connect", host, timeoutMs: 1000 }, { id: "s2", kind: "host.connect", host: "10.0.0.2:22" }], barriers: [] },
              { name: "Upgrade controllers", steps: [{ id: "s3", kind: "k0s.stop", host }, { id: "s4", kind: "k0s.binary.replace", host }] },
            ],
            concurrency: 30,
            cleanup: [],
          },
          changes: {
            hostsAdded: ["10.0.0.2:22"],
            hostsRemoved: ["10.0.0.9:22"],
            hostsReset: [],
            version: { from: "v1.29.4+k0s.0", to: "v1.30.1+k0s.0" },
            files: [{ host: "10.0.0.1:22", added: ["motd"], removed: [], changed: ["bundle"] }],
            config: [{ path: "spec.api.sans", from: ["a"], to: ["a", "b"] }, { path: "spec.telemetry.enabled", to: false }],
            actions: { "10.0.0.1:22": "upgrade", "10.0.0.2:22": "install" },
          },
          warnings: ["10.0.0.9:22 is no longer in the spec; keel leaves it alone"],
        }),
    });
    const run = await keel(["apply", "-c", LAB, "--dry-run"], { env: envFor(api) });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      [
        "Dry run for lab (revision 3): no host was touched.",
        "",
        "Plan (2 phases):",
        "  1. Connect to hosts",
        "       10.0.0.1:22: host.connect",
        "       10.0.0.2:22: host.connect",
        "  2. Upgrade controllers",
        "       10.0.0.1:22: k0s.stop, k0s.binary.replace",
        "",
        "Changes:",
        "  hosts added: 10.0.0.2:22",
        "  hosts removed (left alone; mark them reset to remove k0s): 10.0.0.9:22",
        "  k0s version: v1.29.4+k0s.0 -> v1.30.1+k0s.0",
        "  files: 10.0.0.1:22: added motd; changed bundle",
        "  k0s config:",
        '    spec.api.sans: ["a"] -> ["a","b"]',
        "    spec.telemetry.enabled: + false",
        "  host actions:",
        "    10.0.0.1:22: upgrade",
        "    10.0.0.2:22: install",
        "",
      ].join("\n"),
    );
    expect(run.stderr).toBe("cluster lab: unchanged (revision 3)\nwarning: 10.0.0.9:22 is no longer in the spec; keel leaves it alone\n");
    expect(api.calls()).toEqual(["POST /v1/clusters", "PUT /v1/clusters/lab", "POST /v1/clusters/lab/apply"]);
    expect(api.requests[2]?.query).toEqual({ dryRun: "true" });
  });

  it("prints the API's error with every detail and exits 1", async () => {
    const api = await stub({
      "POST /v1/clusters": (_req, res) =>
        sendError(res, 422, "invalid_spec", "the cluster spec is invalid", [
          { path: "spec.hosts[0].ssh.address", message: "not allowed by this site" },
          { path: "spec.k0s.version", message: "unknown version" },
        ]),
    });
    const run = await keel(["apply", "-c", LAB], { env: envFor(api) });
    expect(run).toEqual({
      code: 1,
      stdout: "",
      stderr: "error: the cluster spec is invalid\n  spec.hosts[0].ssh.address: not allowed by this site\n  spec.k0s.version: unknown version\n",
    });
    expect(api.calls()).toEqual(["POST /v1/clusters"]);
  });

  it("rejects an invalid file before any request", async () => {
    const api = await stub({});
    const bad = file("bad.yaml", "apiVersion: k0sctl.k0sproject.io/v1beta1\nkind: Cluster\nspec:\n  hosts:\n  - role: boss\n    ssh: {address: 10.0.0.1}\n");
    const run = await keel(["apply", "-c", bad], { env: envFor(api) });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/bad\.yaml: invalid \(1 error\)\n {2}spec\.hosts\[0\]\.role: /);
    expect(api.requests).toEqual([]);
  });

  it("never prints the token, whether it is accepted or refused", async () => {
    const api = await stub({ "POST /v1/clusters": (_req, res) => sendError(res, 403, "forbidden", "needs the operator role") });
    const refused = await keel(["apply", "-c", LAB], { env: envFor(api) });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe("error: needs the operator role\n");
    expect(api.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);

    const wrong = await keel(["apply", "-c", LAB], { env: envFor(api, { KEEL_TOKEN: "not-the-token-7a61" }) });
    expect(wrong.stderr).toBe("error: missing or invalid token\n");
    const unreachable = await keel(["apply", "-c", LAB, "--api", "http://127.0.0.1:9"], { env: envFor(api) });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^error: cannot reach the API at http:\/\/127\.0\.0\.1:9/);
    for (const run of [refused, wrong, unreachable]) {
      expect(run.stdout + run.stderr).not.toContain(TOKEN);
      expect(run.stdout + run.stderr).not.toContain("not-the-token-7a61");
    }
  });

  it("needs an API URL and a token (exit 2)", async () => {
    const noUrl = await keel(["apply", "-c", LAB], { env: { KEEL_TOKEN: TOKEN } });
    expect(noUrl).toMatchObject({ code: 2, stdout: "" });
    expect(noUrl.stderr).toMatch(/^keel apply: no API URL: pass --api URL or set KEEL_API_URL/);
    const noToken = await keel(["apply", "-c", LAB, "--api", "http://127.0.0.1:9"]);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/no API token/);
    expect((await keel(["apply", "--timeout", "soon"], { env: { KEEL_TOKEN: TOKEN } })).code).toBe(2);
    expect((await keel(["apply", "--site", "Not A Site"], { env: { KEEL_TOKEN: TOKEN } })).code).toBe(2);
  });

  it("asks the API to cancel the run on Ctrl-C and exits 130", async () => {
    const api = await stub({
      "POST /v1/clusters": (_req, res) => sendJson(res, 201, { cluster: cluster(1) }),
      "POST /v1/clusters/lab/apply": (_req, res) => sendJson(res, 202, started),
      "GET /v1/runs/run-1/events": (_req, res) => {
        const stream = openEventStream(res);
        stream.event("run-event", APPLY_EVENTS[0], 1);
        // …and the run goes on: the stream stays open until the client leaves.
      },
      "POST /v1/runs/run-1/cancel": (_req, res) => sendJson(res, 202, { run: { ...started.run, status: "running" } }),
    });
    const keelRun = startKeel(["apply", "-c", LAB], { env: envFor(api) });
    await keelRun.stdoutHas("Running phase: Connect to hosts");
    keelRun.child.kill("SIGINT");
    const run = await keelRun.done;
    expect(run.code).toBe(130);
    expect(run.stderr).toContain("interrupted: cancelling run run-1\n");
    expect(run.stderr).toContain("run run-1: cancel requested");
    expect(api.calls().at(-1)).toBe("POST /v1/runs/run-1/cancel");
  });
});
