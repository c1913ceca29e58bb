import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { app } from "../../worker/app";
import { slackSignature, verifySlackSignature } from "../../worker/core/slack-signature";
import { SlackUserList } from "../../schema/slack-api";
import { clusterOnSite, sshHost } from "./cluster-on-site";
import { call, dumpDatabase, errorOf, jsonBody, mintToken } from "./helpers";
import { clickBody, commandBody, eventually, recorded, responseUrl, slackPost, TEAM } from "./slack-helpers";

const VIEWER = "U0VIEWER";
const OPERATOR = "U0OPERATOR";
const STRANGER = "U0STRANGER";
let cluster = "";

const text = (v: unknown) => JSON.stringify(v);
const runsOf = async (name: string) => (await env.DB.prepare("SELECT id, status, requested_by FROM runs WHERE cluster = ?").bind(name).all<{ id: string; status: string; requested_by: string }>()).results;
const deniedCount = async (reason: string) =>
  (await env.DB.prepare("SELECT COALESCE(SUM(count), 0) AS n FROM denied_requests WHERE route LIKE 'POST /slack/%' AND reason = ?").bind(reason).first<{ n: number }>())?.n ?? 0;

beforeAll(async () => {
  for (const [user, role] of [[VIEWER, "viewer"], [OPERATOR, "operator"]] as const) {
    const res = await call("POST", "/v1/slack/users", jsonBody({ team: TEAM, user, role }));
    expect(res.status, res.text).toBe(201);
  }
  ({ cluster } = await clusterOnSite({ hosts: [sshHost("10.0.0.1", "controller+worker")] }));
  // What an inventory found: one leaf expiring in 10 days, one fine, a CA.
  const now = Date.now();
  const row = (path: string, days: number, isCA: number) =>
    env.DB.prepare("INSERT INTO certificates (cluster, host, path, subject, issuer, sans, not_before, not_after, is_ca, fingerprint, run_id, observed_at) VALUES (?, '10.0.0.1:22', ?, 'CN=x', 'CN=kubernetes-ca', '[]', ?, ?, ?, ?, 'run_seed', ?)")
      .bind(cluster, path, now - 86_400_000, now + days * 86_400_000, isCA, `fp-${path}`, now)
      .run();
  await row("/var/lib/k0s/pki/server.crt", 10, 0);
  await row("/var/lib/k0s/pki/admin.crt", 200, 0);
  await row("/var/lib/k0s/pki/ca.crt", 3000, 1);
});

describe("Slack request signatures", () => {
  it("match Slack's published example (api.slack.com, verifying requests from Slack)", async () => {
    const secret = "8f742231b10e8888abcd99yyyzzz85a5";
    const body =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const expected = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
    expect(await slackSignature(secret, "1531420618", body)).toBe(expected);
    expect(await verifySlackSignature(secret, { timestamp: "1531420618", signature: expected }, body, 1531420618_000 + 60_000)).toEqual({ ok: true, signature: expected });
    // The same request six minutes later is stale; a changed body or secret does not verify.
    expect((await verifySlackSignature(secret, { timestamp: "1531420618", signature: expected }, body, 1531420618_000 + 6 * 60_000)).ok).toBe(false);
    expect((await verifySlackSignature(secret, { timestamp: "1531420618", signature: expected }, `${body}&x=1`, 1531420618_000)).ok).toBe(false);
    expect((await verifySlackSignature("another-secret", { timestamp: "1531420618", signature: expected }, body, 1531420618_000)).ok).toBe(false);
  });

  it("refuses mis-signed, stale, unsigned and replayed requests: 401, counted, nothing run", async () => {
    const body = commandBody(OPERATOR, `renew-certs ${cluster}`);
    const before = { bad: await deniedCount("bad signature"), stale: await deniedCount("timestamp outside the 5-minute window"), missing: await deniedCount("missing signature headers"), replay: await deniedCount("replayed request") };
    expect((await slackPost("/slack/commands", body, { secret: "not-the-secret" })).status).toBe(401);
    expect((await slackPost("/slack/commands", body, { timestamp: Math.floor(Date.now() / 1000) - 301 })).status).toBe(401);
    expect((await slackPost("/slack/interactivity", clickBody(OPERATOR, `certs.renew ${cluster}`, responseUrl()), { signature: null })).status).toBe(401);

    const sig = { timestamp: Math.floor(Date.now() / 1000) };
    const help = commandBody(VIEWER, "help");
    expect((await slackPost("/slack/commands", help, sig)).status).toBe(200);
    const replay = await slackPost("/slack/commands", help, sig);
    expect(replay.status).toBe(401);
    expect(replay.text).toContain("replayed request");
    expect((await slackPost("/slack/interactivity", clickBody(OPERATOR, `certs.renew ${cluster}`, responseUrl()), { secret: "wrong" })).status).toBe(401);

    expect(await deniedCount("bad signature")).toBe(before.bad + 2);
    expect(await deniedCount("timestamp outside the 5-minute window")).toBe(before.stale + 1);
    expect(await deniedCount("missing signature headers")).toBe(before.missing + 1);
    expect(await deniedCount("replayed request")).toBe(before.replay + 1);
    expect(await runsOf(cluster)).toEqual([]);
  });

  it("answers 404 saying Slack is not configured when there is no signing secret", async () => {
    const res = await app.request("/slack/commands", { method: "POST", body: "text=help" }, { ...env, SLACK_SIGNING_SECRET: undefined });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("Slack is not configured");
  });
});

describe("/keel subcommands", () => {
  it("answers unknown input with help, ephemeral, never an error page", async () => {
    for (const input of ["", "frobnicate prod", "certs", "certs Not_A_Name", "certs a b"]) {
      const res = await slackPost("/slack/commands", commandBody(VIEWER, input));
      expect(res.status, input).toBe(200);
      expect(res.json, input).toMatchObject({ response_type: "ephemeral" });
      expect(text(res.json), input).toContain("/keel renew-certs CLUSTER");
    }
  });

  it("refuses unmapped users politely, whatever they ask", async () => {
    for (const input of [`certs ${cluster}`, `renew-certs ${cluster}`]) {
      const res = await slackPost("/slack/commands", commandBody(STRANGER, input));
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ response_type: "ephemeral" });
      expect(text(res.json)).toContain("not linked to keel");
      expect(text(res.json)).toContain(`keel slack map ${TEAM} ${STRANGER}`);
    }
  });

  it("certs: the expiry table, soonest first, the CA apart", async () => {
    const res = await slackPost("/slack/commands", commandBody(VIEWER, `certs ${cluster}`));
    expect(res.status).toBe(200);
    const body = text(res.json);
    expect(body).toContain(`Certificates of ${cluster}`);
    expect(body.indexOf("`server` on 10.0.0.1:22 — 9 d")).toBeGreaterThan(-1);
    expect(body.indexOf("`server`")).toBeLessThan(body.indexOf("`admin`"));
    expect(body).toContain("Certificate authorities");
    expect(res.json).toMatchObject({ text: `${cluster}: 2 certificates, 1 expiring within 30 days` });
  });

  it("runs and audit answer a viewer; a missing cluster is a friendly reply", async () => {
    expect(text((await slackPost("/slack/commands", commandBody(VIEWER, `runs ${cluster}`))).json)).toContain("No runs on");
    expect(text((await slackPost("/slack/commands", commandBody(VIEWER, `audit ${cluster}`))).json)).toContain("cluster.create");
    expect(text((await slackPost("/slack/commands", commandBody(VIEWER, "certs no-such-cluster"))).json)).toContain("cluster no-such-cluster not found");
  });

  it("renew-certs and backup ask an operator to confirm; a viewer is refused and the refusal audited", async () => {
    const prompt = await slackPost("/slack/commands", commandBody(OPERATOR, `renew-certs ${cluster}`));
    expect(prompt.status).toBe(200);
    expect(text(prompt.json)).toContain(`"value":"certs.renew ${cluster}"`);
    expect(text(prompt.json)).toContain('"action_id":"keel:confirm"');
    expect(text((await slackPost("/slack/commands", commandBody(OPERATOR, `backup ${cluster}`))).json)).toContain(`"value":"backup ${cluster}"`);

    const refused = await slackPost("/slack/commands", commandBody(VIEWER, `backup ${cluster}`));
    expect(text(refused.json)).toContain("needs the keel operator role");
    const audit = await env.DB.prepare("SELECT actor, action, outcome FROM audit_log WHERE cluster = ? ORDER BY seq DESC LIMIT 1").bind(cluster).first();
    expect(audit).toEqual({ actor: `slack:${TEAM}/${VIEWER}`, action: "cluster.backup", outcome: "denied" });
    expect(await runsOf(cluster)).toEqual([]);
  });
});

describe("the confirm button", () => {
  it("starts nothing for a clicker who may not: the refusal goes to the response_url", async () => {
    for (const user of [VIEWER, STRANGER]) {
      const url = responseUrl("refused");
      const res = await slackPost("/slack/interactivity", clickBody(user, `certs.renew ${cluster}`, url));
      expect(res.status).toBe(200);
      const posts = await eventually("the refusal", () => recorded(url), (r) => r.length === 1);
      expect(text(posts[0]?.body)).toMatch(/needs the keel operator role|not linked to keel/);
    }
    expect(await runsOf(cluster)).toEqual([]);
  });

  it("starts the run for an operator after the ack (< 3 s), as slack:TEAM/USER, and reports start and end to the response_url", async () => {
    const url = responseUrl("renew");
    const res = await slackPost("/slack/interactivity", clickBody(OPERATOR, `certs.renew ${cluster}`, url));
    expect(res.status).toBe(200);
    expect(res.tookMs).toBeLessThan(3000);
    const [run] = await eventually("the run", () => runsOf(cluster), (r) => r.length === 1);
    expect(run?.requested_by).toBe(`slack:${TEAM}/${OPERATOR}`);
    // No relay is online for this site: the run fails after RELAY_WAIT_SECONDS, and says so.
    const all = await eventually("the end", () => recorded(url), (r) => r.some((p) => String(p.body.text).includes("failed")));
    expect(all[0]?.body).toMatchObject({ replace_original: true });
    expect(String(all[0]?.body.text)).toContain(`Certificate renewal of ${cluster} started`);
    const end = all.find((p) => String(p.body.text).includes("failed"));
    expect(text(end?.body)).toContain(`<@${OPERATOR}>`);
    expect(text(end?.body)).toContain(run?.id ?? "no run");
    const audit = await env.DB.prepare("SELECT actor FROM audit_log WHERE target = ? AND action = 'run.start'").bind(run?.id ?? "").first();
    expect(audit).toEqual({ actor: `slack:${TEAM}/${OPERATOR}` });

    const log = await eventually(
      "the delivery log",
      async () => (await env.DB.prepare("SELECT target, event, status, attempts, last_status FROM notification_deliveries WHERE run_id = ? ORDER BY created_at").bind(run?.id ?? "").all()).results,
      (rows) => rows.length >= 2 && rows.every((r) => r.status === "delivered"),
    );
    expect(log[0]).toMatchObject({ target: `slack-reply:${run?.id}`, event: "run.started", attempts: 1, last_status: 200 });
    expect(log.at(-1)).toMatchObject({ event: "run.finished" });
    // The response_url is a credential: it is in no D1 row.
    expect(await dumpDatabase()).not.toContain("/response/renew/");
  });

  it("a click on a busy cluster says why nothing started", async () => {
    const url = responseUrl("busy");
    const { cluster: other } = await clusterOnSite({ hosts: [sshHost("10.0.0.2", "controller+worker")] });
    const first = await slackPost("/slack/interactivity", clickBody(OPERATOR, `backup ${other}`, responseUrl("first")));
    expect(first.status).toBe(200);
    await eventually("the first run", () => runsOf(other), (r) => r.length === 1);
    await slackPost("/slack/interactivity", clickBody(OPERATOR, `backup ${other}`, url));
    const posts = await eventually("the refusal", () => recorded(url), (r) => r.length === 1);
    expect(String(posts[0]?.body.text)).toContain("did not start");
    expect(String(posts[0]?.body.text)).toContain("already has an active run");
  });
});

describe("progress past the response_url", () => {
  it("goes to the channel with the bot token (chat.postMessage, then chat.update) when the URL is gone", async () => {
    const url = responseUrl("gone");
    const runId = `run_slack-bot-${Date.now()}`;
    const stub = env.NOTIFY.get(env.NOTIFY.idFromName("bot-fallback"));
    await stub.watchRun({ runId, cluster: "bot-fallback", operation: "backup", requestedBy: `slack:${TEAM}/${OPERATOR}`, responseUrl: url, channel: "C0BOTCHANNEL", registeredAt: Date.now() });
    await stub.tellInvoker(runId, "bot-fallback", { text: "first", blocks: [] }, false);
    await stub.tellInvoker(runId, "bot-fallback", { text: "second", blocks: [] }, true);
    const api = await eventually("bot posts", () => recorded("/api/"), (r) => r.filter((p) => p.body.channel === "C0BOTCHANNEL").length === 2);
    const mine = api.filter((p) => p.body.channel === "C0BOTCHANNEL");
    expect(mine.map((p) => p.path)).toEqual(["/api/chat.postMessage", "/api/chat.update"]);
    expect(mine[0]?.bearer).toBe("xoxb-test-bot-token");
    expect(mine[1]?.body.ts).toMatch(/^\d+\.\d+$/);
    // The response_url was tried once, answered 404, and not again.
    expect((await recorded(url)).length).toBe(1);
  });
});

describe("/v1/slack/users", () => {
  it("maps, lists and unmaps; bad input is refused naming the field, nothing stored", async () => {
    const bad = await call("POST", "/v1/slack/users", jsonBody({ team: "nope", user: "U0X", role: "operator" }));
    expect(bad.status).toBe(400);
    expect(errorOf(bad).message).toContain("team");
    const badRole = await call("POST", "/v1/slack/users", jsonBody({ team: TEAM, user: "U0NEW", role: "root" }));
    expect(badRole.status).toBe(400);
    expect(errorOf(badRole).message).toContain("role");

    expect((await call("POST", "/v1/slack/users", jsonBody({ team: TEAM, user: "U0NEW", role: "viewer" }))).status).toBe(201);
    const list = SlackUserList.parse((await call("GET", "/v1/slack/users")).json);
    expect(list.users.find((u) => u.user === "U0NEW")).toMatchObject({ team: TEAM, role: "viewer", createdBy: "bootstrap" });
    expect(list.users.some((u) => u.user === "U0X")).toBe(false);
    expect((await call("DELETE", `/v1/slack/users/${TEAM}/U0NEW`)).status).toBe(200);
    expect((await call("DELETE", `/v1/slack/users/${TEAM}/U0NEW`)).status).toBe(404);
    const audit = await env.DB.prepare("SELECT action FROM audit_log WHERE target = ? ORDER BY seq").bind(`slack:${TEAM}/U0NEW`).all();
    expect(audit.results.map((r) => r.action)).toEqual(["slack.user.map", "slack.user.unmap"]);
  });

  it("is admin only", async () => {
    const { token } = await mintToken("operator");
    expect((await call("GET", "/v1/slack/users", { token })).status).toBe(403);
  });
});
