/**
 * How many hosts may change at once.
 *
 * Controller joins. Each joining controller first becomes an etcd member, then
 * starts its etcd. If a whole batch of k joiners is added but none of them
 * comes up, the cluster has n + k members of which only the n old ones are
 * healthy; etcd keeps quorum while n ≥ floor((n + k) / 2) + 1, i.e. k ≤ n − 1.
 * So with n running members a batch may hold at most n − 1 joiners, and at
 * least 1: going from one member to two can never be made safe (a lone member
 * plus one dead joiner is 1 of 2), which is why that step is one host alone.
 * Fresh clusters therefore grow 1 → 2 → 3 → 5 → 9 …
 */
export function quorumJoinBatches<T>(runningMembers: number, joiners: readonly T[]): T[][] {
  const batches: T[][] = [];
  let members = Math.max(0, runningMembers);
  let next = 0;
  while (next < joiners.length) {
    const size = Math.max(1, members - 1);
    batches.push(joiners.slice(next, next + size));
    next += size;
    members += size;
  }
  return batches;
}

/**
 * Workers taken out of service at once: workerDisruptionPercent of the
 * cluster's workers, rounded down so the budget the user set is never
 * exceeded (10% of 12 workers is 1, not 2), at least 1, and never more than
 * the concurrency limit. Rounding down is also what k0sctl does.
 */
export function disruptionBatchSize(workerCount: number, percent: number, limit: number): number {
  const size = Math.floor((workerCount * percent) / 100);
  return Math.max(1, Math.min(size, limit));
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  const step = Math.max(1, size);
  for (let i = 0; i < items.length; i += step) out.push(items.slice(i, i + step));
  return out;
}
