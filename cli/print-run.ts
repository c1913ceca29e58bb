import type { RunOutcome } from "./follow-run";
import type { StreamedRunEvent } from "./responses";

/**
 * A run's log in k0sctl's words: `INFO ==> Running phase: Install workers`,
 * `INFO [ssh] 127.0.0.14:22: installing k0s worker`, `WARN …`, `ERROR …`.
 */
export function formatRunEvent(e: StreamedRunEvent): string {
  // The API words host events as "[ssh] host: …"; keep the host visible if an event is not.
  const message = e.host !== null && !e.message.includes(e.host) ? `[ssh] ${e.host}: ${e.message}` : e.message;
  return `${e.level.toUpperCase()} ${message}`;
}

/** The closing line, unless the run's own `run.finished` event already said it. */
export function closingLine(outcome: RunOutcome, sawFinish: boolean, elapsedMs: number): string | null {
  if (sawFinish) return null;
  if (outcome.status === "succeeded") return `INFO ==> Finished in ${formatDuration(outcome.durationMs ?? elapsedMs)}`;
  if (outcome.status === "cancelled") return `ERROR Run cancelled${outcome.error ? `: ${outcome.error}` : ""}`;
  return `ERROR Run failed: ${outcome.error ?? "unknown error"}`;
}

export function formatDuration(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}
