import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";

/** First version: the relay socket handling lands here shortly. */
export class RelayObject extends DurableObject<Env> {}
