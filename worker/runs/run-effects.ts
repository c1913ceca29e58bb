import type { Step } from "../../schema/steps";
import type { RelayBinding } from "./run-state";

/**
 * What a transition asks of the outside world. Each answer comes back to the
 * transitions as an input (`relay.found`, `relay.unsent`); the writes every
 * transition implies (storage, the D1 mirror, audit, the alarm) are not listed
 * here: the driver derives them from the new state (its outbox and deadlines),
 * so no transition can forget one.
 */
export type RunEffect =
  /** Find a connected relay of the site (the one used last first). Answered with `relay.found`. */
  | { type: "find_relay"; site: string; preferred: string | null }
  /** Send these steps as `step.run` frames. Steps that could not be sent are answered with `relay.unsent`. */
  | { type: "send"; relay: RelayBinding; steps: Step[] }
  /** Tell relays to abort these steps (best effort, no answer). */
  | { type: "cancel_steps"; steps: { relay: string; stepId: string }[] };
