import { exports } from "cloudflare:workers";
import { PROTOCOL_VERSION, ServerMessage } from "../../schema/protocol";
import type { Step, StepResult } from "../../schema/steps";
import type { K0sFactsReport } from "../../schema/steps-k0s";
import type { CertificateInfo } from "../../schema/step-reports";

export type StepRun = Extract<ServerMessage, { type: "step.run" }>;

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
  /** Step ids answered so far, and for each step.run received, what had been answered by then. */
  readonly answered = new Set<string>();
  readonly arrivals: { id: string; answeredBefore: ReadonlySet<string> }[] = [];
  private answer: ((step: Step) => StepResult | null) | null = null;
  private repeatFinished = 1;
  private delayMs = 0;

  private constructor(
    readonly ws: WebSocket,
    readonly cluster: string | null,
  ) {
    ws.addEventListener("message", (ev) => {
      const frame = ServerMessage.parse(JSON.parse(String(ev.data)));
      this.frames.push(frame);
      if (frame.type === "step.run") this.arrivals.push({ id: frame.step.id, answeredBefore: new Set(this.answered) });
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

  /** Opens, says hello (with the relay's hook policy when given) and waits for welcome. */
  static async connect(token: string, site: string, policy?: { allowHooks: boolean }): Promise<RelaySocket> {
    const relay = await RelaySocket.open(token);
    relay.send({ type: "hello", relayVersion: "0.1.0-test", protocolVersion: PROTOCOL_VERSION, site, ...(policy ? { policy } : {}) });
    await relay.next("welcome", (f) => f.type === "welcome");
    return relay;
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  /**
   * Answer every step.run (now and later) with `answer(step)`; null leaves a
   * step unanswered. `delayMs` answers later, so that steps overlap in flight.
   */
  autoAnswer(answer: (step: Step) => StepResult | null, opts: { repeatFinished?: number; delayMs?: number } = {}): void {
    this.answer = answer;
    this.repeatFinished = opts.repeatFinished ?? 1;
    this.delayMs = opts.delayMs ?? 0;
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

  /** Sends step.started and step.finished for a step.run, as the relay does once the step ran. */
  finish(frame: StepRun, result: StepResult): void {
    if (this.closed) return;
    const ids = { cluster: frame.cluster, runId: frame.runId, stepId: frame.step.id };
    this.answered.add(frame.step.id);
    this.send({ type: "step.started", ...ids });
    for (let i = 0; i < this.repeatFinished; i++) this.send({ type: "step.finished", ...ids, result });
  }

  private reply(frame: StepRun): void {
    const answer = this.answer;
    if (!answer || this.closed) return;
    const result = answer(frame.step);
    if (!result) return;
    if (this.delayMs > 0) setTimeout(() => this.finish(frame, result), this.delayMs);
    else this.finish(frame, result);
  }
}

export interface HealthyOverrides {
  hostname?: Record<string, string>;
  /** k0s.facts per "address:port"; hosts not listed have no k0s. */
  k0s?: Record<string, K0sFactsReport>;
  /** What k0s.token.create and k0s.kubeconfig.admin print (the relay should keep it; the API must never store it). */
  secretStdout?: string;
  /** What cert.inventory and cert.check report per "address:port"; hosts not listed report sampleCertificates(). */
  certificates?: Record<string, CertificateInfo[]>;
}

const DAY = 86_400_000;

/** A controller's PKI in brief: a CA good for years, a leaf good for `leafDays` (from a fixed point, as tests compare). */
export function sampleCertificates(leafDays = 365, now = Date.UTC(2026, 11, 1)): CertificateInfo[] {
  return [
    { path: "/var/lib/k0s/pki/ca.crt", subject: "CN=kubernetes-ca", issuer: "CN=kubernetes-ca", sans: [], notBefore: now - DAY, notAfter: now + 3650 * DAY, isCA: true, fingerprint: "aa:bb" },
    { path: "/var/lib/k0s/pki/server.crt", subject: "CN=kubernetes", issuer: "CN=kubernetes-ca", sans: ["DNS:localhost"], notBefore: now - DAY, notAfter: now + leafDays * DAY, isCA: false, fingerprint: "cc:dd" },
  ];
}

/** The client certificate a healthy relay reports for `k0s kubeconfig create`. */
export const USER_CERT = (user: string, group: string) => ({
  path: `/var/lib/k0s/pki/${user}.crt`,
  subject: `O=${group}, CN=${user}`,
  issuer: "CN=kubernetes-ca",
  sans: [],
  notBefore: Date.UTC(2026, 11, 1),
  notAfter: Date.UTC(2027, 11, 1),
  isCA: false,
  fingerprint: "AB:CD:EF",
});

/** Step results as the relay reports them for healthy simulated hosts. */
export function healthyResult(step: Step, overrides: HealthyOverrides = {}): StepResult {
  const host = `${step.host.address}:${step.host.port}`;
  const last = step.host.address.split(".").pop() ?? "1";
  const done = (extra: Partial<StepResult> = {}): StepResult => ({ ok: true, exitCode: 0, stdout: "", stderr: "", durationMs: 12, ...extra });
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
    case "k0s.facts": {
      const k0s = overrides.k0s?.[host] ?? { running: false, arch: "amd64" };
      return done({ stdout: JSON.stringify(k0s), command: `${step.installPath} version; ${step.installPath} status -o json`, k0s });
    }
    case "k0s.binary.stage":
      return done({ transfer: { files: 1, skipped: 0, bytes: 0 }, changed: true, command: `curl -sSLf -o ${step.tmpPath} <url>` });
    case "file.upload":
      return done({ transfer: { files: 3, skipped: 0, bytes: 12 * 1024 }, changed: true });
    case "k0s.token.create":
    case "k0s.kubeconfig.admin":
      return done({ stdout: overrides.secretStdout ?? "", command: `${step.installPath} ${step.kind === "k0s.token.create" ? `token create --role=${step.role}` : "kubeconfig admin"}` });
    case "k0s.kubeconfig.create":
      return done({ stdout: overrides.secretStdout ?? "", command: `${step.installPath} kubeconfig create --groups=${step.group} ${step.user}`, report: { kind: "certificates", certificates: [USER_CERT(step.user, step.group)] } });
    case "cert.inventory":
    case "cert.check":
      return done({ report: { kind: "certificates", certificates: overrides.certificates?.[host] ?? sampleCertificates() } });
    case "k0s.binary.install":
    case "k0s.config.write":
    case "k0s.install":
      return done({ changed: true });
    case "service.start":
    case "service.stop":
    case "service.restart":
    case "k0s.wait.ready":
    case "k0s.token.invalidate":
    case "kube.cordon":
    case "kube.drain":
    case "kube.uncordon":
    case "kube.node.delete":
    case "kube.apply":
    case "k0s.etcd.leave":
    case "k0s.reset":
    case "hook.run":
    case "k0s.restore":
    case "k0s.etcd.health":
      return done();
    case "k0s.backup":
      return done({
        changed: true,
        report: {
          kind: "backup",
          id: `bk-${step.id.length}-${last}`,
          status: "verified",
          size: 4096,
          sha256: "a".repeat(64),
          contents: { storage: "etcd", pki: true, manifests: true, images: false, config: true },
          k0sVersion: "1.30.0+k0s.0",
          host,
          createdAt: 1_700_000_000_000,
          pruned: [],
        },
      });
  }
}

export function connectFailed(address: string, port = 22): StepResult {
  return { ok: false, exitCode: null, stdout: "", stderr: "", durationMs: 3, error: { code: "connect_failed", message: `dial tcp ${address}:${port}: connect: connection refused` } };
}
