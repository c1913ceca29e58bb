import { env, exports } from "cloudflare:workers";
import { slackSignature } from "../../worker/core/slack-signature";

/** The signing secret vitest.config.ts gives the Worker. */
export const SLACK_SECRET = "test-slack-signing-secret";
export const TEAM = "T0KEELTEST";

export interface SlackCall {
  status: number;
  text: string;
  json: unknown;
  /** Wall time from sending to the whole answer, ms. */
  tookMs: number;
}

/** Posts a form body to a /slack route, signed as Slack signs (or with `sign` overriding parts). */
export async function slackPost(path: string, body: string, sign: { secret?: string; timestamp?: number; signature?: string | null } = {}): Promise<SlackCall> {
  const timestamp = String(sign.timestamp ?? Math.floor(Date.now() / 1000));
  const headers = new Headers({ "content-type": "application/x-www-form-urlencoded" });
  headers.set("x-slack-request-timestamp", timestamp);
  const signature = sign.signature === undefined ? await slackSignature(sign.secret ?? SLACK_SECRET, timestamp, body) : sign.signature;
  if (signature !== null) headers.set("x-slack-signature", signature);
  const started = Date.now();
  const res = await exports.default.fetch(new Request(`https://keel.test${path}`, { method: "POST", headers, body }));
  const text = await res.text();
  const tookMs = Date.now() - started;
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, text, json, tookMs };
}

let counter = 0;
/** A response_url on the stand-in, unique per call, so a test reads only its own posts. */
export function responseUrl(kind = "hook"): string {
  counter += 1;
  return `${env.SLACK_STAND_IN_URL}/response/${kind}/${Date.now()}-${counter}`;
}

export function commandBody(user: string, text: string, url = responseUrl()): string {
  return new URLSearchParams({
    token: "deprecated-verification-token",
    team_id: TEAM,
    team_domain: "keel-test",
    channel_id: "C0KEELTEST",
    channel_name: "ops",
    user_id: user,
    user_name: "someone",
    command: "/keel",
    text,
    response_url: url,
    trigger_id: "123.456.abc",
  }).toString();
}

export function clickBody(user: string, value: string, url: string, actionId = "keel:confirm"): string {
  const payload = {
    type: "block_actions",
    user: { id: user, team_id: TEAM },
    team: { id: TEAM, domain: "keel-test" },
    channel: { id: "C0KEELTEST", name: "ops" },
    response_url: url,
    trigger_id: "123.456.abc",
    actions: [{ type: "button", action_id: actionId, block_id: "keel-confirm", value, action_ts: "1.2" }],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export interface Recorded {
  path: string;
  bearer: string | null;
  body: Record<string, unknown>;
  raw: string;
  webhook: { id: string; timestamp: string; signature: string } | null;
}

/** What the stand-in received under `prefix` (a response_url, or /api/). */
export async function recorded(prefix: string): Promise<Recorded[]> {
  const path = prefix.startsWith("http") ? new URL(prefix).pathname : prefix;
  const res = await fetch(`${env.SLACK_STAND_IN_URL}/__recorded?prefix=${encodeURIComponent(path)}`);
  return (await res.json()) as Recorded[];
}

/** Polls until `check` passes: what the Worker does after its ack happens in waitUntil and alarms. */
export async function eventually<T>(what: string, fn: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms; last: ${JSON.stringify(value).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
