import type { HostFacts } from "../../schema/steps";
import type { K0sFactsReport } from "../../schema/steps-k0s";

/** What the "Gather k0s facts" phase found on one host (the relay's K0sFactsReport). */
export type K0sHostFacts = K0sFactsReport;

/** Everything the gather phases found, by "address:port". */
export interface ApplyFacts {
  hosts: Record<string, HostFacts & { k0s?: K0sHostFacts }>;
}

export interface ApplyOptions {
  timeouts?: { readyMs?: number; nodeReadyMs?: number; drainMs?: number };
  /** The version to install when spec.k0s.version is absent, resolved by the caller from versionChannel. */
  k0sVersion?: string;
}
