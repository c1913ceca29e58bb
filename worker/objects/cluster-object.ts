import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";

/** First version: the run state machine lands here shortly. */
export class ClusterObject extends DurableObject<Env> {}
