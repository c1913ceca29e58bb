/**
 * Which runs' journal and secrets files the relay may remove, decided without
 * I/O. The rule that keeps running runs whole: a run with a step in flight, or
 * touched (a step arrived or finished, a secret written or read) within
 * ACTIVE_WINDOW_MS, is never pruned, whatever the limits say. A run can only
 * be resumed by its API within that window or the age limit, whichever is
 * longer, and a join token is dead long before either (k0s: 10–30 minutes).
 */

/** The longest a step may run (StepBase.timeoutMs): a run quieter than this has no step left running. */
export const ACTIVE_WINDOW_MS = 6 * 3600_000;

export interface JournalLimits {
  /** A run's journal (and secrets) go this long after its last activity. */
  maxAgeMs: number;
  /** journal/ + secrets/ stay under this many bytes; the longest-idle runs go first. */
  maxBytes: number;
  /** A run's leftover secrets (tokens never invalidated) go this long after its last activity. */
  secretsMaxAgeMs: number;
}

export const DEFAULT_JOURNAL_LIMITS: JournalLimits = {
  maxAgeMs: 7 * 24 * 3600_000,
  maxBytes: 256 * 1024 * 1024,
  secretsMaxAgeMs: 24 * 3600_000,
};

/** One run's files as found on disk. */
export interface RunFiles {
  /** The run's file name without extension (see runFileName). */
  base: string;
  journalBytes: number;
  /** Absent when the run has no secrets file. */
  secretsBytes?: number;
  /** Epoch ms of the last activity: the newest file mtime or a later touch seen in memory. */
  lastActive: number;
  /** A step of the run is executing now. */
  held: boolean;
}

export interface PrunePlan {
  /** Runs whose journal and secrets both go. */
  removeRuns: string[];
  /** Runs that keep their journal but lose their secrets file. */
  removeSecrets: string[];
  /** Bytes left after the plan; above maxBytes only when active runs alone exceed it. */
  bytesAfter: number;
}

export function isActive(run: RunFiles, now: number): boolean {
  return run.held || now - run.lastActive < ACTIVE_WINDOW_MS;
}

export function planPrune(runs: readonly RunFiles[], limits: JournalLimits, now: number): PrunePlan {
  const removeRuns: string[] = [];
  const removeSecrets: string[] = [];
  const kept: RunFiles[] = [];
  let bytes = 0;
  for (const run of runs) {
    const idle = now - run.lastActive;
    if (!isActive(run, now) && idle > limits.maxAgeMs) {
      removeRuns.push(run.base);
      continue;
    }
    let secretsBytes = run.secretsBytes ?? 0;
    if (run.secretsBytes !== undefined && !isActive(run, now) && idle > limits.secretsMaxAgeMs) {
      removeSecrets.push(run.base);
      secretsBytes = 0;
    }
    kept.push(run);
    bytes += run.journalBytes + secretsBytes;
  }
  if (bytes > limits.maxBytes) {
    const oldestFirst = kept.filter((r) => !isActive(r, now)).sort((a, b) => a.lastActive - b.lastActive);
    for (const run of oldestFirst) {
      if (bytes <= limits.maxBytes) break;
      removeRuns.push(run.base);
      bytes -= run.journalBytes + (removeSecrets.includes(run.base) ? 0 : (run.secretsBytes ?? 0));
      const i = removeSecrets.indexOf(run.base);
      if (i >= 0) removeSecrets.splice(i, 1);
    }
  }
  return { removeRuns, removeSecrets, bytesAfter: bytes };
}
