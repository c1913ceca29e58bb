import type { Step, StepResult } from "../../schema/steps";

/** One line of a run's log, as stored in run_events (the id and run id are added on insert). */
export interface RunEvent {
  at: number;
  level: "info" | "warn" | "error";
  /** phase.started | phase.finished | phase.skipped | step.finished | host.warning | relay.waiting | relay.found | run.started | run.finished */
  type: string;
  phase: string | null;
  host: string | null;
  message: string;
}

/** "host: code: message": how a failed step reads in events and in the run's error. */
export function stepFailure(host: string, result: StepResult): string {
  if (result.error) return `${host}: ${result.error.code}: ${oneLine(result.error.message)}`;
  const detail = oneLine(result.stderr) || oneLine(result.stdout) || "no output";
  return `${host}: command_failed: exit ${result.exitCode ?? "?"}: ${detail}`;
}

/**
 * What a finished step says in the run's log, worded like k0sctl's output
 * (`[ssh] 10.0.0.11:22: connected`) so that people who know k0sctl can read it.
 */
export function stepEvents(step: Step, host: string, phase: string, result: StepResult, at: number): RunEvent[] {
  const event = (level: RunEvent["level"], type: string, text: string): RunEvent => ({ at, level, type, phase, host, message: `[ssh] ${host}: ${text}` });
  if (!result.ok) return [{ at, level: "error", type: "step.finished", phase, host, message: `[ssh] ${stepFailure(host, result)}` }];

  const facts = result.facts ?? {};
  switch (step.kind) {
    case "host.connect":
      return [event("info", "step.finished", "connected")];
    case "host.disconnect":
      return [event("info", "step.finished", "disconnected")];
    case "host.os": {
      const os = facts.os;
      const name = os ? os.name || `${os.id} ${os.version}`.trim() : "an unknown operating system";
      return [event("info", "step.finished", `is running ${name}`)];
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
  }
}

function oneLine(text: string): string {
  const trimmed = text.trim();
  const lines = trimmed.split("\n");
  // The last line of stderr is usually the error itself; keep events readable.
  return (lines[lines.length - 1] ?? "").trim().slice(0, 500);
}

export function formatDuration(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}
