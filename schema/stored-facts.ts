import { z } from "zod";
import { HostFacts } from "./steps";
import { K0sFactsReport } from "./steps-k0s";

/**
 * What keel knows about one host, by "address:port": the host facts the
 * gather phases report and, once an apply gathered them, its k0s facts. The
 * shape of `clusters.facts` in D1 and of what a run gathers while it runs.
 */
export const StoredHostFacts = HostFacts.extend({ k0s: K0sFactsReport.optional() });
export type StoredHostFacts = z.infer<typeof StoredHostFacts>;

/** Parses a clusters.facts value; written by older runs or by hand, so anything that no longer parses is dropped, not trusted. */
export function parseClusterFacts(raw: unknown): Record<string, StoredHostFacts> {
  const parsed = z.record(z.string(), StoredHostFacts).safeParse(raw ?? {});
  return parsed.success ? parsed.data : {};
}
