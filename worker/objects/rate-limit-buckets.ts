/**
 * Token buckets: each holds up to `perMinute` requests and refills evenly
 * over a minute, so a burst up to the limit passes and a sustained rate above
 * limit/60 per second does not. Pure: the caller keeps the map and the clock.
 */
export interface BucketCheck {
  bucket: string;
  perMinute: number;
  /** false only looks: the request is refused if this bucket is empty, but does not use it up. */
  take: boolean;
}

export type Admission = { ok: true } | { ok: false; retryAfterSeconds: number };

interface BucketState {
  tokens: number;
  at: number;
}

const MINUTE_MS = 60_000;

/** All checks pass (and take) together, or none takes and the longest wait is returned. */
export function admit(buckets: Map<string, BucketState>, checks: BucketCheck[], now: number): Admission {
  let waitMs = 0;
  const levels = checks.map((check) => {
    const state = buckets.get(check.bucket);
    const perMs = check.perMinute / MINUTE_MS;
    const tokens = state ? Math.min(check.perMinute, state.tokens + (now - state.at) * perMs) : check.perMinute;
    if (tokens < 1) waitMs = Math.max(waitMs, (1 - tokens) / perMs);
    return tokens;
  });
  if (waitMs > 0) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  checks.forEach((check, i) => {
    const tokens = levels[i] ?? check.perMinute;
    buckets.set(check.bucket, { tokens: check.take ? tokens - 1 : tokens, at: now });
  });
  return { ok: true };
}
