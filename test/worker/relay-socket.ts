import { exports } from "cloudflare:workers";
import { PROTOCOL_VERSION, ServerMessage } from "../../schema/protocol";
import type { Step, StepResult } from "../../schema/steps";

type StepRun = Extract<ServerMessage, { type: "step.run" }>;

/** Waits until `check` returns a value (not undefined/false), polling; fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * The relay's side of a real WebSocket to the Worker under test
 * (GET /v1/relays/connect through the Worker's entry point). Frames from the
 * API are parsed with the protocol schema, as the real relay does.
 */
export class RelaySocket {
  readonly frames: ServerMessage[] = [];
  closed: { code: number; reason: string } | null = null;
  private answer: ((step: Step) => StepResult | null) | null = null;
  private repeatFinished = 1;

  private constructor(
    readonly ws: WebSocket,
    readonly cluster: string | null,
  ) {
    ws.addEventListener("message", (ev) => {
      const frame = ServerMessage.parse(JSON.parse(String(ev.data)));
      this.frames.push(frame);
      if (frame.type === "step.run" && this.answer) this.reply(frame);
    });
    ws.addEventListener("close", (ev) => {
      this.closed = { code: ev.code, reason: ev.reason };
    });
  }

  /** Opens the socket; throws with the status if the Worker did not upgrade. */
  static async open(token: string): Promise<RelaySocket> {
    const res = await RelaySocket.request(token);
    if (res.status !== 101 || !res.webSocket) throw new Error(`relay connect answered ${res.status}: ${await res.text()}`);
    res.webSocket.accept();
    return new RelaySocket(res.webSocket, null);
  }

  static request(token: string | null, headers: Record<string, string> = { Upgrade: "websocket" }): Promise<Response> {
    const h = new Headers(headers);
    if (token !== null) h.set("Authorization", `Bearer ${token}`);
    return exports.default.fetch(new Request("https://keel.test/v1/relays/connect", { headers: h }));
  }

  /** Opens, says hello and waits for welcome. */
  static async connect(token: string, site: string): Promise<RelaySocket> {
    const relay = await RelaySocket.open(token);
    relay.send({ type: "hello", relayVersion: "0.1.0-test", protocolVersion: PROTOCOL_VERSION, site });
    await relay.next("welcome", (f) => f.type === "welcome");
    return relay;
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** Answer every step.run (now and later) with `answer(step)`; null leaves a step unanswered. */
  autoAnswer(answer: (step: Step) => StepResult | null, opts: { repeatFinished?: number } = {}): void {
    this.answer = answer;
    this.repeatFinished = opts.repeatFinished ?? 1;
    for (const frame of this.frames) if (frame.type === "step.run") this.reply(frame);
  }

  stepRuns(): StepRun[] {
    return this.frames.filter((f): f is StepRun => f.type === "step.run");
  }

  /** The first frame (received or still to come) after index `from` that matches. */
  async next(what: string, match: (f: ServerMessage) => boolean, from = 0): Promise<ServerMessage> {
    return waitFor(what, () => this.frames.slice(from).find(match));
  }

  close(): void {
    try {
      this.ws.close(1000, "test done");
    } catch {
      // already closed
    }
  }

  private reply(frame: StepRun): void {
    const answer = this.answer;
    if (!answer || this.closed) return;
    const result = answer(frame.step);
    if (!result) return;
    const ids = { cluster: frame.cluster, runId: frame.runId, stepId: frame.step.id };
    this.send({ type: "step.started", ...ids });
    for (let i = 0; i < this.repeatFinished; i++) this.send({ type: "step.finished", ...ids, result });
  }
}

/** Step results as the relay reports them for healthy simulated hosts. */
export function healthyResult(step: Step, overrides: { hostname?: Record<string, string> } = {}): StepResult {
  const host = `${step.host.address}:${step.host.port}`;
  const last = step.host.address.split(".").pop() ?? "1";
  switch (step.kind) {
    case "host.connect":
      return { ok: true, exitCode: null, stdout: "", stderr: "", durationMs: 14, facts: { hostKeyFingerprint: `SHA256:test-${last}` } };
    case "host.os":
      return {
        ok: true,
        exitCode: 0,
        stdout: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n',
        stderr: "",
        command: "cat /etc/os-release && uname -m",
        durationMs: 6,
        facts: { os: { id: "debian", version: "12", name: "Debian GNU/Linux 12 (bookworm)" }, arch: "x86_64" },
      };
    case "host.facts":
      return {
        ok: true,
        exitCode: 0,
        stdout: "",
        stderr: "",
        durationMs: 9,
        facts: { hostname: overrides.hostname?.[host] ?? `node-${last}`, privateInterface: step.privateInterface ?? "eth0", privateAddress: `10.0.0.${last}` },
      };
    case "host.disconnect":
      return { ok: true, exitCode: null, stdout: "", stderr: "", durationMs: 1 };
  }
}

export function connectFailed(address: string, port = 22): StepResult {
  return { ok: false, exitCode: null, stdout: "", stderr: "", durationMs: 3, error: { code: "connect_failed", message: `dial tcp ${address}:${port}: connect: connection refused` } };
}
