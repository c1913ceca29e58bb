import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { followRun } from "../../cli/follow-run";
import { StartedRun } from "../../cli/responses";
import { CertificatesResponse } from "../../schema/certs-api";
import type { ClusterSpec } from "../../schema/cluster";
import { queryLocalD1 } from "../../scripts/local/local-api";
import { countByHost, readCommandLedger } from "../../sim/command-ledger";
import { setCertificateDays } from "../../sim/harness";
import { keel } from "../cli/keel-process";
import { d1Text, issuedJoinTokenTexts, messages, nodesOf, startE2e, type E2eEnv, type RunEvent, type RunOutcome } from "./support";
import { startSlackStandIn, type SlackStandIn } from "../slack/slack-stand-in";
import { slackSignature } from "../../worker/core/slack-signature";

// Seed 2.1 on hosts of its own (127.0.0.111–115): leaf certificates issued to
// expire in 10 days, found by the inventory, renewed by the health-gated
// rolling restart, found again with a year to go and the same CAs; and a
// renewal refused while a controller is down.
const FIRST_OCTET = 111;
const CLUSTER = "k0s-cluster";
const DAY_S = 86_400;
const SLACK_SECRET = "e2e-slack-signing-secret";

describe("certificates: inventory and renewal of seed 2.1 on simulated hosts", () => {
  let env: E2eEnv;
  let spec: ClusterSpec;
  let slack: SlackStandIn;
  const d1 = (sql: string) => queryLocalD1(join(env.dir, "state", "wrangler"), sql);

  async function start(what: "inventory" | "renew", query: Record<string, string | boolean> = {}): Promise<RunOutcome> {
    const started = await env.stack.admin.json("POST", `/v1/clusters/${CLUSTER}/certificates/${what}`, StartedRun, { query });
    const events: RunEvent[] = [];
    const run = await followRun(env.stack.admin, started.run.id, (e) => events.push(e), AbortSignal.timeout(300_000));
    return { id: started.run.id, status: run.status, error: run.error, events };
  }
  const list = (query: Record<string, string> = {}) => env.stack.admin.json("GET", `/v1/clusters/${CLUSTER}/certificates`, CertificatesResponse, { query });

  beforeAll(async () => {
    slack = await startSlackStandIn();
    const vars = { SLACK_SIGNING_SECRET: SLACK_SECRET, KEEL_ALLOW_HTTP_TARGETS: "true" };
    env = await startE2e({ count: 5, firstOctet: FIRST_OCTET, hostnames: ["c1", "c2", "c3", "w4", "w5"], vars });
    spec = await env.spec("seed-2.1-basic.yaml", (y) => y.replace(/127\.0\.0\.1([1-5])\b/g, "127.0.0.11$1"));
    // The controllers' first start issues leaves that live 10 days.
    setCertificateDays(env.hosts.clusterStateDir, 10);
    const applied = await env.apply(spec);
    if (applied.status !== "succeeded") throw new Error(`apply failed: ${applied.error}`);
  });
  afterAll(async () => {
    await env?.stop();
    await slack?.stop();
  });

  let casBefore: Map<string, string>;

  it("the inventory finds every controller's leaves expiring within 30 days, the CAs and the kubelets' certificates", async () => {
    const run = await start("inventory");
    expect(run.status, run.error ?? "").toBe("succeeded");
    expect(messages(run)).toContain("==> Running phase: Read certificates");

    const all = await list();
    const controllers = ["127.0.0.111:22", "127.0.0.112:22", "127.0.0.113:22"];
    for (const host of controllers) {
      const names = all.certificates.filter((c) => c.host === host).map((c) => c.name).sort();
      expect(names).toEqual(expect.arrayContaining(["ca", "etcd/ca", "etcd/peer", "etcd/server", "front-proxy-ca", "server", "admin", "kubelet/kubelet-client-current", "kubelet/kubelet-server-current"]));
    }
    for (const host of ["127.0.0.114:22", "127.0.0.115:22"]) {
      expect(all.certificates.filter((c) => c.host === host).map((c) => c.name).sort()).toEqual(["kubelet/kubelet-client-current", "kubelet/kubelet-server-current"]);
    }
    // Keys are never stored: only public certificate fields.
    expect(JSON.stringify(await d1("SELECT * FROM certificates"))).not.toMatch(/PRIVATE KEY|BEGIN/);
    expect(JSON.stringify(await d1("SELECT stdout, stderr FROM run_steps"))).not.toMatch(/PRIVATE KEY/);
    expect(env.stack.relayLog()).not.toMatch(/PRIVATE KEY/);

    const soon = await list({ expiringWithin: "30d" });
    expect(soon.certificates.length).toBeGreaterThan(0);
    expect(soon.certificates.every((c) => !c.isCA && c.host !== "127.0.0.114:22" && !c.name.startsWith("kubelet/"))).toBe(true);
    expect(soon.certificates.every((c) => c.residualTime > 9 * DAY_S && c.residualTime <= 10 * DAY_S)).toBe(true);
    // Every controller leaf is among them: server on all three controllers.
    expect(soon.certificates.filter((c) => c.name === "server").map((c) => c.host).sort()).toEqual(controllers);
    expect(soon.certificates.find((c) => c.name === "server")?.caName).toBe("ca");
    casBefore = new Map(all.certificates.filter((c) => c.isCA).map((c) => [`${c.host} ${c.name}`, c.fingerprint]));
    expect(casBefore.size).toBe(9);
  });

  it("renewal restarts one controller at a time, each healthy before the next, and leaves nothing expiring", async () => {
    setCertificateDays(env.hosts.clusterStateDir, null);
    const run = await start("renew");
    expect(run.status, run.error ?? "").toBe("succeeded");
    const said = messages(run);
    const restarted = said.filter((m) => m.includes("restarted service k0scontroller") || m.includes("certificates renewed, CAs unchanged") || m.includes("is healthy"));
    expect(restarted.map((m) => m.replace(/^\[ssh\] (\S+): .*?(restarted|renewed|healthy).*$/, "$1 $2"))).toEqual([
      "127.0.0.111:22 restarted",
      "127.0.0.111:22 healthy",
      "127.0.0.111:22 renewed",
      "127.0.0.112:22 restarted",
      "127.0.0.112:22 healthy",
      "127.0.0.112:22 renewed",
      "127.0.0.113:22 restarted",
      "127.0.0.113:22 healthy",
      "127.0.0.113:22 renewed",
    ]);
    expect(said.some((m) => m.includes("CAs are not renewed"))).toBe(true);

    expect((await list({ expiringWithin: "30d" })).certificates).toEqual([]);
    const all = await list();
    const server = all.certificates.filter((c) => c.name === "server");
    expect(server.every((c) => c.residualTime > 360 * DAY_S && c.runId === run.id)).toBe(true);
    const casAfter = new Map(all.certificates.filter((c) => c.isCA).map((c) => [`${c.host} ${c.name}`, c.fingerprint]));
    expect(casAfter).toEqual(casBefore);
    expect((await nodesOf(env)).every((n) => n.ready)).toBe(true);
    const [audit] = await d1(`SELECT action, details FROM audit_log WHERE target = '${run.id}' ORDER BY seq LIMIT 1`);
    expect(audit?.action).toBe("run.start");
    expect(String(audit?.details)).toContain("certs.renew");
  });

  it("refuses to renew while a controller is down, restarting nothing", async () => {
    const stop = await env.ssh(1, "systemctl stop k0scontroller");
    expect(stop.code, stop.stderr).toBe(0);
    try {
      const run = await start("renew");
      expect(run.status).toBe("failed");
      expect(run.error).toContain("controller 127.0.0.112:22 is not running k0s");
      expect(await d1(`SELECT step_id FROM run_steps WHERE run_id = '${run.id}' AND kind = 'service.restart' AND status != 'skipped'`)).toEqual([]);
    } finally {
      await env.ssh(1, "systemctl start k0scontroller");
    }
  });

  // After the controllers, each worker's k0sworker restarts in apply's
  // disruption batches (10% of two workers: one at a time), its node Ready
  // before the next. Kubelets rotate their own certificates: a restart keeps them.
  it("keel certs renew --workers restarts the workers one batch at a time after the controllers, each Ready again, kubelet certificates kept", async () => {
    const workers = [3, 4];
    // The file holds the certificate, then its key: only the certificate is compared (and would be printed).
    const kubeletCert = async (i: number) => (await readFile(join(env.hosts.hosts[i]?.root ?? "", "var/lib/k0s/kubelet/pki/kubelet-client-current.pem"), "utf8")).split("-----END CERTIFICATE-----")[0];
    const certsBefore = await Promise.all(workers.map(kubeletCert));
    const starts = () => countByHost(readCommandLedger(env.hosts.clusterStateDir), ["worker"]);
    const startsBefore = starts();

    const renewed = await keel(["certs", "renew", CLUSTER, "--workers"], { env: { KEEL_API_URL: env.stack.api.url, KEEL_TOKEN: env.stack.api.adminToken } });
    expect(renewed.code, renewed.stderr).toBe(0);
    const lines = renewed.stdout.split("\n");
    const index = (text: string) => lines.findIndex((l) => l.includes(text));
    const order = [
      "127.0.0.113:22: certificates renewed, CAs unchanged",
      "==> Running phase: Restart workers",
      "127.0.0.114:22: restarted service k0sworker",
      "waiting for node w4 to become Ready: Ready",
      "127.0.0.115:22: restarted service k0sworker",
      "waiting for node w5 to become Ready: Ready",
    ].map(index);
    expect(order.every((i) => i >= 0), renewed.stdout).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);

    // Host state: each worker's k0s worker started once more, its node is Ready, its kubelet certificate is the one it had.
    const startsAfter = starts();
    expect([startsAfter.w4, startsAfter.w5]).toEqual([(startsBefore.w4 ?? 0) + 1, (startsBefore.w5 ?? 0) + 1]);
    expect((await nodesOf(env)).map((n) => `${n.name} ${n.ready}`)).toEqual(["c1 true", "c2 true", "c3 true", "w4 true", "w5 true"]);
    expect(await Promise.all(workers.map(kubeletCert))).toEqual(certsBefore);
    // No key, and no join token the install issued, in D1, the relay's log or what the CLI printed.
    const seen = [await d1Text(env), env.stack.relayLog(), renewed.stdout + renewed.stderr];
    for (const text of seen) expect(text).not.toMatch(/PRIVATE KEY/);
    const tokens = await issuedJoinTokenTexts(env);
    expect(tokens.length).toBeGreaterThan(0);
    for (const needle of tokens) for (const text of seen) expect(text.includes(needle)).toBe(false);
  });

  it("works through the CLI: keel certs inventory follows the run, keel certs prints the table", async () => {
    const env_ = { KEEL_API_URL: env.stack.api.url, KEEL_TOKEN: env.stack.api.adminToken };
    const inventory = await keel(["certs", "inventory", CLUSTER], { env: env_ });
    expect(inventory.code, inventory.stderr).toBe(0);
    expect(inventory.stdout).toContain("Read certificates");
    const table = await keel(["certs", CLUSTER], { env: env_ });
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.split("\n");
    expect(lines[0]).toMatch(/^CERTIFICATE\s+HOST\s+EXPIRES\s+RESIDUAL TIME\s+CA$/);
    expect(lines.some((l) => /^server\s+127\.0\.0\.111:22\s+\w{3} \d{2}, \d{4} \d{2}:\d{2} UTC\s+36\dd\s+ca$/.test(l))).toBe(true);
    expect(lines).toContainEqual(expect.stringMatching(/^CERTIFICATE AUTHORITY\s+HOST\s+EXPIRES\s+RESIDUAL TIME$/));
    const soon = await keel(["certs", CLUSTER, "--expiring-within", "30d"], { env: env_ });
    expect(soon.stdout.trim()).toBe("no certificates");
  });
  describe("from Slack: /keel renew-certs, confirmed with the button", () => {
    const TEAM = "T0E2E";
    const USER = "U0E2EOPS";

    type Signed = { timestamp: string; signature: string };
    /** A post to the API as Slack sends it; `again` re-sends earlier headers as they were (a replay). */
    async function signedPost(path: string, body: string, secret = SLACK_SECRET, again?: Signed): Promise<{ status: number; text: string; tookMs: number; signed: Signed }> {
      const timestamp = again?.timestamp ?? String(Math.floor(Date.now() / 1000));
      const signed = again ?? { timestamp, signature: await slackSignature(secret, timestamp, body) };
      const started = performance.now();
      const res = await fetch(`${env.stack.api.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": signed.timestamp, "x-slack-signature": signed.signature },
        body,
      });
      const text = await res.text();
      return { status: res.status, text, tookMs: performance.now() - started, signed };
    }
    const slashBody = (text: string, responseUrl: string) =>
      new URLSearchParams({ team_id: TEAM, user_id: USER, user_name: "ops", channel_id: "C0E2E", command: "/keel", text, response_url: responseUrl, trigger_id: "1.2.3" }).toString();
    const clickBody = (value: string, responseUrl: string) =>
      new URLSearchParams({
        payload: JSON.stringify({ type: "block_actions", user: { id: USER, team_id: TEAM }, team: { id: TEAM }, channel: { id: "C0E2E" }, response_url: responseUrl, actions: [{ action_id: "keel:confirm", value }] }),
      }).toString();
    const posts = (path: string) => slack.records.filter((r) => r.path === path);
    const runCount = async () => Number((await d1(`SELECT COUNT(*) AS n FROM runs WHERE cluster = '${CLUSTER}'`))[0]?.n);

    it("renews the certificates: acks within 3 s, posts progress to the response_url, moves not-after; replays and forgeries do nothing", async () => {
      await env.stack.admin.json("POST", "/v1/slack/users", z.unknown(), { body: { team: TEAM, user: USER, role: "operator" } });
      const before = new Map((await list()).certificates.filter((c) => c.name === "server").map((c) => [c.host, c.notAfter]));
      expect(before.size).toBe(3);

      const prompt = await signedPost("/slack/commands", slashBody(`renew-certs ${CLUSTER}`, `${slack.url}/response/prompt`));
      expect(prompt.status, prompt.text).toBe(200);
      expect(prompt.tookMs).toBeLessThan(3000);
      expect(prompt.text).toContain(`"value":"certs.renew ${CLUSTER}"`);

      const runsBefore = await runCount();
      const click = clickBody(`certs.renew ${CLUSTER}`, `${slack.url}/response/click`);
      const ack = await signedPost("/slack/interactivity", click);
      expect(ack.status, ack.text).toBe(200);
      expect(ack.tookMs).toBeLessThan(3000);

      // The run starts after the ack (waitUntil) and reports to the stand-in until it ends.
      const deadline = Date.now() + 300_000;
      while (!posts("/response/click").some((p) => JSON.stringify(p.body).includes("succeeded") || JSON.stringify(p.body).includes("failed"))) {
        if (Date.now() > deadline) throw new Error(`no result posted: ${JSON.stringify(posts("/response/click"))}`);
        await new Promise((r) => setTimeout(r, 500));
      }
      const said = posts("/response/click").map((p) => p.body as { text: string; replace_original?: boolean });
      expect(said[0]?.text).toContain(`Certificate renewal of ${CLUSTER} started`);
      expect(said[0]?.replace_original).toBe(true);
      expect(said.at(-1)?.text).toContain(`Certificate renewal of ${CLUSTER} succeeded`);
      // Slack takes 5 posts per response_url: start, three phases, the result.
      expect(said.length).toBeLessThanOrEqual(5);
      expect(said.length).toBeGreaterThan(2);

      const [run] = await d1(`SELECT id, status, requested_by FROM runs WHERE cluster = '${CLUSTER}' ORDER BY created_at DESC LIMIT 1`);
      expect(run).toMatchObject({ status: "succeeded", requested_by: `slack:${TEAM}/${USER}` });
      expect(JSON.stringify(said.at(-1))).toContain(String(run?.id));
      const after = (await list()).certificates.filter((c) => c.name === "server");
      for (const cert of after) {
        expect(cert.runId).toBe(run?.id);
        expect(cert.notAfter).toBeGreaterThan(before.get(cert.host) ?? Infinity);
      }

      // The same click again, or a click signed with another secret: 401, no run.
      const runsAfter = await runCount();
      expect(runsAfter).toBe(runsBefore + 1);
      const replay = await signedPost("/slack/interactivity", click, SLACK_SECRET, ack.signed);
      expect(replay.status, replay.text).toBe(401);
      expect(replay.text).toContain("replayed request");
      expect((await signedPost("/slack/interactivity", click, "another-secret")).status).toBe(401);
      expect((await signedPost("/slack/commands", slashBody(`renew-certs ${CLUSTER}`, `${slack.url}/response/forged`), "another-secret")).status).toBe(401);
      expect(await runCount()).toBe(runsAfter);
    });
  });
});
