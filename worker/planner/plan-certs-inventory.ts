import type { ClusterSpec } from "../../schema/cluster";
import { phaseFromBatches } from "./apply-plan";
import { certHosts } from "./cert-hosts";
import { certInventory, disconnect } from "./cert-steps";
import { PlanError, type Plan, type PlanPhase } from "./plan";
import { planFacts } from "./plan-facts";

export const CERT_INVENTORY_PHASE = "Read certificates";

/**
 * The certificate inventory: connect, then read every certificate each host
 * holds (a controller's PKI, a node's kubelet certificates) in parallel.
 * What a controller or a node holds follows from its role in the spec, so the
 * whole run is planned up front. Each host's report replaces what D1 had for
 * it; a CA close to its end is warned about in the run's log (run-events.ts).
 */
export function planCertsInventory(spec: ClusterSpec): Plan {
  const facts = planFacts(spec);
  const { hosts, issues } = certHosts(spec, {});
  if (issues.length > 0) throw new PlanError(issues);
  return {
    ...facts,
    phases: [...facts.phases, inventoryPhase(spec), phaseFromBatches("Disconnect from hosts", [hosts.map(disconnect)])],
  };
}

/** Every host's cert.inventory, in one batch: reads only, so all at once (bounded by the plan's concurrency). */
export function inventoryPhase(spec: ClusterSpec): PlanPhase {
  const { hosts } = certHosts(spec, {});
  return phaseFromBatches(CERT_INVENTORY_PHASE, [hosts.map((h) => certInventory(h))]);
}
