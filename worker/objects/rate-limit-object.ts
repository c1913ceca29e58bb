import { DurableObject } from "cloudflare:workers";
import type { Env } from "../core/env";
import { admit, type Admission, type BucketCheck } from "./rate-limit-buckets";

/**
 * One per rate-limited key (`client:<address>`, `token:<id>`): its buckets
 * live in memory only. Losing them when an idle object is evicted just
 * refills them, which is what an idle key's buckets would be anyway.
 */
export class RateLimitObject extends DurableObject<Env> {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  async admit(checks: BucketCheck[]): Promise<Admission> {
    return admit(this.buckets, checks, Date.now());
  }
}
