import type { ClusterSpec } from "../../schema/cluster";
import type { StoredHostFacts } from "../../schema/stored-facts";
import type { RestoreSource } from "./restore-source";

/**
 * Everything a run plans with, loaded once when the run starts and kept in
 * the run's state: planning halfway through a run (an apply after its gather
 * phases) reads these, never D1, so a revision written meanwhile cannot
 * change what the run does.
 */
export interface RunInputs {
  cluster: string;
  site: string;
  /** The revision the run applies (the cluster's current one when it started). */
  revision: number;
  spec: ClusterSpec;
  /** The last successfully applied revision's spec; null before the first apply. */
  lastApplied: ClusterSpec | null;
  appliedRevision: number | null;
  /** What the cluster's last runs found, by "address:port". */
  facts: Record<string, StoredHostFacts>;
}

/** What a caller may tune per run. */
export interface RunOptions {
  /** Bounds every readiness wait of an apply (k0s.wait.ready), in milliseconds. */
  waitTimeoutMs?: number;
  /** restore: the backup (its metadata from D1) and the caller's reset confirmation. */
  restore?: RestoreSource;
  /** certs.renew: also restart k0sworker on workers, in apply's disruption batches. */
  workers?: boolean;
}
