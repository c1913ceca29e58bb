import type { Step, StepResult } from "../../schema/steps";

/** One line of a run's log, as stored in run_events (the id and run id are added on insert). */
export interface RunEvent {
  at: number;
  level: "info" | "warn" | "error";
  /** phase.started | phase.finished | phase.skipped | step.finished | host.warning | relay.waiting | relay.found | run.started | run.planned | plan.warning | run.stopping | run.finished */
  type: string;
  phase: string | null;
  host: string | null;
  message: string;
}

/**
 * "host: code: message": how a failed step reads in events and in the run's
 * error; the command that failed and the end of its stderr follow when the
 * relay reported them, so the error alone says what to look at.
 */
export function stepFailure(host: string, result: StepResult): string {
  const stderr = oneLine(result.stderr);
  let text: string;
  if (result.error) text = `${host}: ${result.error.code}: ${oneLine(result.error.message)}`;
  else text = `${host}: command_failed: exit ${result.exitCode ?? "?"}: ${stderr || oneLine(result.stdout) || "no output"}`;
  if (result.command && !text.includes(result.command.slice(0, 300))) text += ` (command: ${result.command.slice(0, 300)})`;
  if (result.error && stderr && !text.includes(stderr)) text += ` (stderr: ${stderr})`;
  return text;
}

/**
 * What a finished step says in the run's log, worded like k0sctl's output
 * (`[ssh] 10.0.0.11:22: connected`) so that people who know k0sctl can read it.
 */
export function stepEvents(step: Step, host: string, phase: string, result: StepResult, at: number): RunEvent[] {
  const event = (level: RunEvent["level"], type: string, text: string): RunEvent => ({ at, level, type, phase, host, message: `[ssh] ${host}: ${text}` });
  if (!result.ok) return [{ at, level: "error", type: "step.finished", phase, host, message: `[ssh] ${stepFailure(host, result)}` }];

  const facts = result.facts ?? {};
  const info = (text: string) => [event("info", "step.finished", text)];
  switch (step.kind) {
    case "host.connect":
      return info("connected");
    case "host.disconnect":
      return info("disconnected");
    case "host.os": {
      const os = facts.os;
      const name = os ? os.name || `${os.id} ${os.version}`.trim() : "an unknown operating system";
      return info(`is running ${name}`);
    }
    case "host.facts": {
      const events: RunEvent[] = [];
      if (facts.privateInterface) {
        const how = step.privateInterface !== undefined ? "using" : "discovered";
        events.push(event("info", "step.finished", `${how} ${facts.privateInterface} as private interface`));
      }
      if (facts.privateAddress) events.push(event("info", "step.finished", `using ${facts.privateAddress} as private address`));
      if (facts.hostname && facts.hostname.includes(".")) {
        // k0s registers the node under its hostname; a domain name there breaks
        // node naming (the seed article and k0sctl issues #170/#312/#673).
        events.push(
          event("warn", "host.warning", `hostname "${facts.hostname}" looks like a domain name; k0s uses the hostname as the node name, so set a short hostname on the host (or spec.hosts[].hostname)`),
        );
      }
      if (events.length === 0) events.push(event("info", "step.finished", "gathered host facts"));
      return events;
    }
    case "k0s.facts": {
      const k = result.k0s;
      if (!k?.installedVersion) return info(k?.running ? "is running k0s (version unknown)" : "does not have k0s installed");
      return info(k.running ? `is running k0s ${k.role ?? "node"} version ${k.installedVersion}` : `has k0s ${k.installedVersion} installed but not running`);
    }
    case "k0s.binary.stage":
      if (result.changed === false) return info(`k0s ${step.version} is already staged at ${step.tmpPath}`);
      if (step.source.from === "url" && step.source.fetch === "host") return info(`downloaded k0s ${step.version} on the host`);
      return info(`uploaded k0s ${step.version} binary${result.transfer ? ` (${formatBytes(result.transfer.bytes)})` : ""}`);
    case "k0s.binary.install":
      return info(result.changed === false ? `k0s ${step.expectVersion} is already installed` : `installed k0s ${step.expectVersion} binary to ${step.installPath}`);
    case "file.upload": {
      const what = step.name ?? step.dst ?? step.dstDir ?? "files";
      const t = result.transfer;
      return info(t ? `uploading ${what} (${t.files} ${t.files === 1 ? "file" : "files"}, ${formatBytes(t.bytes)}; ${t.skipped} skipped)` : `uploaded ${what}`);
    }
    case "k0s.config.write":
      return info(result.changed === false ? `k0s configuration ${step.path} is up to date` : `wrote k0s configuration to ${step.path}`);
    case "k0s.install":
      return info(`installing k0s ${step.role}${step.role === "controller" && step.enableWorker ? " (with worker)" : ""}${result.changed === false ? ": already installed" : ""}`);
    case "service.start":
      return info(`started service ${step.service}`);
    case "service.stop":
      return info(`stopped service ${step.service}`);
    case "service.restart":
      return info(`restarted service ${step.service}`);
    case "k0s.wait.ready":
      return info(step.for.what === "node" ? `waiting for node ${step.for.nodeName} to become Ready: Ready` : "waiting for the k0s API to become ready: /readyz ok");
    case "k0s.token.create":
      // The token itself stays on the relay (and its stdout is never stored).
      return info(`created a ${step.role} join token valid for ${step.expiry}`);
    case "k0s.token.invalidate":
      return info("invalidated the join token");
    case "kube.cordon":
      return info(`cordoned node ${step.nodeName}`);
    case "kube.drain":
      return info(`drained node ${step.nodeName}`);
    case "kube.uncordon":
      return info(`uncordoned node ${step.nodeName}`);
    case "kube.node.delete":
      return info(`deleted node ${step.nodeName}`);
    case "kube.apply":
      return info(`applied ${step.manifests.length} additional ${step.manifests.length === 1 ? "manifest" : "manifests"}`);
    case "k0s.etcd.leave":
      return info(`removed ${step.peerAddress} from the etcd cluster`);
    case "k0s.reset":
      return info("reset k0s");
    case "hook.run":
      return info(`ran ${step.hook} hook (${step.lines.length} ${step.lines.length === 1 ? "line" : "lines"})`);
    case "k0s.kubeconfig.admin":
      return info("generated an admin kubeconfig");
    case "k0s.kubeconfig.create":
      return info(`generated a kubeconfig for user ${step.user} (group ${step.group})`);
    case "k0s.backup": {
      const r = result.report?.kind === "backup" ? result.report : undefined;
      if (!r) return info("took a backup");
      const pruned = r.pruned.length > 0 ? `; deleted ${r.pruned.length} older ${r.pruned.length === 1 ? "backup" : "backups"} (${r.pruned.join(", ")})` : "";
      return info(`took backup ${r.id} (${formatBytes(r.size)}, sha256 ${r.sha256}), verified and stored encrypted on the relay${pruned}`);
    }
    case "k0s.restore":
      return info(`restored backup ${step.backupId} into ${step.dataDir}`);
    case "cert.inventory":
      return [...info(`read ${certificateCount(result)}`), ...caWarnings(result, at).map((text) => event("warn", "host.warning", text))];
    case "cert.check":
      return info(`certificates renewed, CAs unchanged (${certificateCount(result)} read)`);
    case "k0s.etcd.health":
      return info(`etcd member ${step.peerAddress} is healthy`);
  }
}

const DAY_MS = 86_400_000;
// k0s issues its CAs for 10 years and never renews them; a year ahead leaves time for the manual replacement.
const CA_WARNING_DAYS = 365;

/** A CA within a year of its end, said loudly: keel renews leaf certificates only. */
function caWarnings(result: StepResult, at: number): string[] {
  if (result.report?.kind !== "certificates") return [];
  return result.report.certificates
    .filter((c) => c.isCA && c.notAfter - at < CA_WARNING_DAYS * DAY_MS)
    .map((c) => {
      const days = Math.floor((c.notAfter - at) / DAY_MS);
      const when = days < 0 ? `EXPIRED ${-days} days ago` : `expires in ${days} days`;
      return `CA ${c.path} (${c.subject}) ${when} (${new Date(c.notAfter).toISOString().slice(0, 10)}): keel renews leaf certificates only; replacing a CA is a manual k0s procedure (docs/troubleshooting/certificate-authorities.md)`;
    });
}

function certificateCount(result: StepResult): string {
  const n = result.report?.kind === "certificates" ? result.report.certificates.length : 0;
  return `${n} ${n === 1 ? "certificate" : "certificates"}`;
}

function oneLine(text: string): string {
  const trimmed = text.trim();
  const lines = trimmed.split("\n");
  // The last line of stderr is usually the error itself; keep events readable.
  return (lines[lines.length - 1] ?? "").trim().slice(0, 500);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

export function formatDuration(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}
