/**
 * When a failed delivery is tried again: Standard Webhooks' example schedule
 * (5 s, 5 min, 30 min, 2 h, 5 h, 10 h…), shortened at the start so a Slack
 * hiccup costs seconds. After the last entry the delivery is given up.
 */
const RETRY_DELAYS_MS = [5_000, 30_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000];

export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

/** The wait after failed attempt number `attempts` (1-based), or null when there is no next attempt. */
export function retryDelay(attempts: number): number | null {
  return RETRY_DELAYS_MS[attempts - 1] ?? null;
}
