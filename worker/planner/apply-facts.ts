import type { StoredHostFacts } from "../../schema/stored-facts";

/** Everything the gather phases found, by "address:port". */
export interface ApplyFacts {
  hosts: Record<string, StoredHostFacts>;
}

export interface ApplyOptions {
  timeouts?: { readyMs?: number; nodeReadyMs?: number; drainMs?: number };
  /** The version to install when spec.k0s.version is absent, resolved by the caller from versionChannel. */
  k0sVersion?: string;
}
