import type { StoredHostFacts } from "../../schema/stored-facts";
import type { RunState } from "./run-state";

const STORED_FACTS = ["os", "arch", "hostname", "privateInterface", "privateAddress", "k0s"] as const;

/** What clusters.facts keeps per host: what later planners need, nothing else; hosts that reported none are left out. */
export function storedFacts(facts: Record<string, StoredHostFacts>): Record<string, StoredHostFacts> {
  const out: Record<string, StoredHostFacts> = {};
  for (const [host, f] of Object.entries(facts)) {
    const kept = Object.fromEntries(STORED_FACTS.filter((k) => f[k] !== undefined).map((k) => [k, f[k]])) as StoredHostFacts;
    if (Object.keys(kept).length > 0) out[host] = kept;
  }
  return out;
}

/**
 * The cluster's facts after a run: a succeeded run replaces them (an apply
 * with the k0s state it produced); a failed one merges what it learned and
 * leaves the rest. A facts run never learns k0s facts, so it keeps the stored ones.
 */
export function factsAfterRun(state: RunState, succeeded: boolean, previous: Record<string, StoredHostFacts>): Record<string, StoredHostFacts> {
  const gathered = storedFacts(state.facts);
  const expected = succeeded ? state.expected : null;
  const out: Record<string, StoredHostFacts> = succeeded ? {} : { ...previous };
  for (const [host, facts] of Object.entries(gathered)) {
    const k0s = expected?.[host] ?? facts.k0s ?? previous[host]?.k0s;
    out[host] = { ...(succeeded ? {} : previous[host]), ...facts, ...(k0s ? { k0s } : {}) };
  }
  return out;
}
