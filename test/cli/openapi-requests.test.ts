import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApiDocument } from "../../worker/http/openapi/build-document";
import { checkRequest } from "../openapi/check-request";
import { checkJson, type Schema } from "../openapi/json-schema-check";
import { openEventStream, runEvent, sendJson, startStubApi, TOKEN, type RecordedRequest, type StubApi } from "./keel-api-stub";
import { keel, startKeel, type KeelRun } from "./keel-process";

/**
 * Every request the real `keel` sends, for every command that talks to the
 * API, is checked against /openapi.json's document: a documented method and
 * path, documented query parameters with fitting values, and a body that
 * fits the request schema. The stub answers as the API would, just enough
 * for each command to finish.
 */

const doc = openApiDocument();
const TMP = mkdtempSync(join(tmpdir(), "keel-cli-openapi-"));
let api: StubApi;

const LAB = join(TMP, "lab.yaml");
writeFileSync(LAB, "apiVersion: k0sctl.k0sproject.io/v1beta1\nkind: Cluster\nmetadata: {name: lab}\nspec:\n  hosts:\n  - role: single\n    ssh: {address: 10.0.0.1}\n  k0s: {version: v1.30.1+k0s.0}\n");

const cluster = { name: "lab", site: "default", currentRevision: 2, appliedRevision: 1, createdAt: 1, updatedAt: 1, spec: {}, facts: null };
const summary = (id: string, status: string) => ({ id, cluster: "lab", operation: "apply", status, revision: 2, requestedBy: "admin", createdAt: 1 });
const runView = (id: string) => ({ ...summary(id, "succeeded"), error: null, startedAt: 1, finishedAt: 2, durationMs: 1, phases: [] });
const plan = { phases: [{ name: "Install controllers", steps: [{ id: "install:10.0.0.1:22", kind: "k0s.install", host: "10.0.0.1:22" }] }] };
const changes = { hostsAdded: [], hostsRemoved: [], hostsReset: [], version: null, files: [], config: [], actions: {} };

const started = (res: ServerResponse) => sendJson(res, 202, { run: summary("run-1", "queued") });
const dryRunOr = (req: RecordedRequest, res: ServerResponse, answer: object) => (req.query.dryRun === "true" || (req.body as { dryRun?: boolean } | undefined)?.dryRun ? sendJson(res, 200, answer) : started(res));

beforeAll(async () => {
  api = await startStubApi({
    "POST /v1/clusters": (_req, res) => sendJson(res, 409, { error: { code: "conflict", message: "cluster lab already exists" } }),
    "PUT /v1/clusters/lab": (_req, res) => sendJson(res, 200, { cluster, unchanged: false }),
    "POST /v1/clusters/lab/apply": (req, res) => dryRunOr(req, res, { dryRun: true, revision: 2, plan, changes, warnings: [] }),
    "POST /v1/clusters/lab/reset": (req, res) => dryRunOr(req, res, { dryRun: true, plan, warnings: [] }),
    "POST /v1/clusters/lab/restore": (req, res) => dryRunOr(req, res, { dryRun: true, plan, warnings: [] }),
    "POST /v1/clusters/lab/facts": (_req, res) => started(res),
    "POST /v1/clusters/lab/backups": (_req, res) => started(res),
    "GET /v1/clusters/lab/backups": (_req, res) => sendJson(res, 200, { backups: [] }),
    "POST /v1/clusters/lab/certificates/inventory": (_req, res) => started(res),
    "POST /v1/clusters/lab/certificates/renew": (_req, res) => started(res),
    "GET /v1/clusters/lab/certificates": (_req, res) => sendJson(res, 200, { cluster: "lab", now: 1, certificates: [], warnings: [] }),
    "GET /v1/clusters/lab/lb-config": (req, res) =>
      sendJson(res, 200, { format: req.query.format, config: "global\n", controllers: [{ name: "c1", address: "10.0.0.1" }], ports: [{ name: "kube-apiserver", port: 6443 }], warnings: [] }),
    "GET /v1/clusters/lab/kubeconfig": (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/yaml" });
      res.end("apiVersion: v1\nkind: Config\n");
    },
    "POST /v1/clusters/lab/kubeconfigs": (_req, res) =>
      sendJson(res, 201, { kubeconfig: "apiVersion: v1\n", user: "alice", group: "dev", clusterAdmin: false, fingerprint: "AB:CD", expiresAt: "2027-12-01T00:00:00Z" }),
    "GET /v1/runs/run-1": (_req, res) => sendJson(res, 200, { run: runView("run-1") }),
    "GET /v1/runs/run-1/events": (_req, res) => {
      const stream = openEventStream(res);
      stream.event("run-event", runEvent(1, "info", "run.finished", "==> Finished in 1s"), 1);
      stream.event("end", { status: "succeeded", error: null, durationMs: 1 }, 1);
      stream.end();
    },
    // An API without the stream: the CLI falls back to polling pages and the run.
    "GET /v1/runs/run-poll/events": (_req, res) => sendJson(res, 200, { events: [], next: 0 }),
    "GET /v1/runs/run-poll": (_req, res) => sendJson(res, 200, { run: runView("run-poll") }),
    // A stream that drops once: the CLI reconnects with Last-Event-ID.
    "GET /v1/runs/run-drop/events": (req, res) => {
      const stream = openEventStream(res);
      if (req.headers["last-event-id"] === undefined) {
        stream.event("run-event", runEvent(1, "info", "phase.started", "==> Running phase: Connect to hosts"), 1);
        // Late enough that the event is flushed before the socket goes.
        setTimeout(() => stream.drop(), 50);
        return;
      }
      stream.event("end", { status: "succeeded", error: null, durationMs: 1 }, 1);
      stream.end();
    },
    // A run that goes on until the user presses Ctrl-C.
    "GET /v1/runs/run-hang/events": (_req, res) => openEventStream(res).event("run-event", runEvent(1, "info", "phase.started", "==> Running phase: Connect to hosts"), 1),
    "POST /v1/runs/run-hang/cancel": (_req, res) => sendJson(res, 202, { run: summary("run-hang", "running") }),
  });
});

afterAll(async () => {
  await api.close();
  rmSync(TMP, { recursive: true, force: true });
});

const COMMANDS: string[][] = [
  ["apply", "-c", LAB],
  ["apply", "-c", LAB, "--site", "dc1", "--dry-run", "--timeout", "600"],
  ["apply", "-c", LAB, "--restore-from", "b1", "--reset", "lab"],
  ["facts", "lab"],
  ["runs", "get", "run-1"],
  ["runs", "follow", "run-poll"],
  ["runs", "follow", "run-drop"],
  ["lb-config", "lab", "--format", "nginx"],
  ["certs", "lab", "--expiring-within", "30d"],
  ["certs", "inventory", "lab"],
  ["certs", "renew", "lab", "--workers"],
  ["reset", "lab", "--confirm", "lab", "--dry-run"],
  ["reset", "lab", "--confirm", "lab"],
  ["backup", "create", "lab"],
  ["backup", "list", "lab"],
  ["restore", "lab", "--backup", "b1", "--reset", "lab", "--dry-run"],
  ["kubeconfig", "lab", "-o", join(TMP, "admin.kubeconfig")],
  ["kubeconfig", "create", "lab", "--user", "alice", "--group", "dev", "-o", join(TMP, "alice.kubeconfig")],
];

/** Each command's operations, for the coverage check: every documented operation the CLI uses. */
const CLI_OPERATIONS = [
  "POST /v1/clusters",
  "PUT /v1/clusters/{name}",
  "POST /v1/clusters/{name}/apply",
  "POST /v1/clusters/{name}/restore",
  "POST /v1/clusters/{name}/reset",
  "POST /v1/clusters/{name}/facts",
  "POST /v1/clusters/{name}/backups",
  "GET /v1/clusters/{name}/backups",
  "POST /v1/clusters/{name}/certificates/inventory",
  "POST /v1/clusters/{name}/certificates/renew",
  "GET /v1/clusters/{name}/certificates",
  "GET /v1/clusters/{name}/lb-config",
  "GET /v1/clusters/{name}/kubeconfig",
  "POST /v1/clusters/{name}/kubeconfigs",
  "GET /v1/runs/{id}",
  "GET /v1/runs/{id}/events",
  "POST /v1/runs/{id}/cancel",
];

function recorded(req: RecordedRequest) {
  const headers = Object.fromEntries(Object.entries(req.headers).filter((e): e is [string, string] => typeof e[1] === "string"));
  return { method: req.method, path: req.path, query: req.query, headers, body: req.body, contentType: headers["content-type"] };
}

describe("the CLI's requests", { timeout: 240_000 }, () => {
  it("all fit /openapi.json, for every command that talks to the API", async () => {
    const env = { KEEL_API_URL: api.url, KEEL_TOKEN: TOKEN };
    const runs: [string[], KeelRun][] = [];
    // Four at a time: each is a node + tsx start, on a shared machine.
    for (let i = 0; i < COMMANDS.length; i += 4) {
      const batch = COMMANDS.slice(i, i + 4);
      runs.push(...(await Promise.all(batch.map(async (args) => [args, await keel(args, { env })] as [string[], KeelRun]))));
    }
    const interrupted = startKeel(["runs", "follow", "run-hang"], { env });
    await interrupted.stdoutHas("Running phase: Connect to hosts");
    interrupted.child.kill("SIGINT");
    runs.push([["runs", "follow", "run-hang", "(Ctrl-C)"], await interrupted.done]);

    // Each command ran to its end, so its requests are the whole of what it sends.
    for (const [args, run] of runs) expect(run.code, `keel ${args.join(" ")}: ${run.stderr}`).toBe(args.includes("(Ctrl-C)") ? 130 : 0);

    const seen = new Set<string>();
    for (const req of api.requests) {
      const check = checkRequest(doc, recorded(req));
      expect(check.problems, `${req.method} ${req.path}?${new URLSearchParams(req.query).toString()}`).toEqual([]);
      if (check.operation !== null) seen.add(check.operation);
    }
    expect([...seen].sort()).toEqual([...CLI_OPERATIONS].sort());
    expect(api.requests.some((r) => r.headers["last-event-id"] === "1"), "a reconnect with Last-Event-ID was checked").toBe(true);
  });
});

describe("the request checker", () => {
  it("refuses what the document does not allow", () => {
    const base = { method: "POST", path: "/v1/clusters/lab/kubeconfigs", query: {}, contentType: "application/json" };
    expect(checkRequest(doc, { ...base, body: { user: "alice", group: "dev" } }).problems).toEqual([]);
    expect(checkRequest(doc, { ...base, body: { user: "alice", group: "dev", extra: 1 } }).problems).toEqual(["body.extra: not allowed (additionalProperties: false)"]);
    expect(checkRequest(doc, { ...base, body: { user: "alice" } }).problems).toEqual(["body.group: required"]);
    expect(checkRequest(doc, { ...base, body: undefined }).problems).toEqual(["body: required"]);
    expect(checkRequest(doc, { ...base, method: "PATCH", body: undefined }).operation).toBeNull();
    expect(checkRequest(doc, { ...base, path: "/v1/clusters/Not_A_Name/kubeconfigs", body: { user: "a", group: "b" } }).problems[0]).toMatch(/^path\.name: does not match/);
    expect(checkRequest(doc, { method: "GET", path: "/v1/clusters", query: { limit: "0", colour: "red" }, body: undefined }).problems).toEqual([
      "query.limit: below 1",
      "query.colour: not a documented query parameter",
    ]);
    const errorBody = { $ref: "#/components/schemas/ErrorResponse" };
    expect(checkJson(errorBody, { error: { code: "not_found", message: "x" } }, doc as unknown as Schema)).toEqual([]);
    expect(checkJson(errorBody, { error: { code: "nope", message: "x" } }, doc as unknown as Schema)).toHaveLength(1);
  });
});
