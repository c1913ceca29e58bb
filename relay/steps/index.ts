import type { Step } from "../../schema/steps";
import { hostConnect } from "./host-connect";
import { hostDisconnect } from "./host-disconnect";
import { hostFacts } from "./host-facts";
import { hostOs } from "./host-os";
import type { StepContext, StepOutcome } from "./step-context";

/** Routes a validated step to its renderer; the switch keeps every kind handled. */
export function runStep(step: Step, ctx: StepContext): Promise<StepOutcome> {
  switch (step.kind) {
    case "host.connect":
      return hostConnect(step, ctx);
    case "host.os":
      return hostOs(step, ctx);
    case "host.facts":
      return hostFacts(step, ctx);
    case "host.disconnect":
      return hostDisconnect(step, ctx);
  }
}
