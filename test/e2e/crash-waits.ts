import { setTimeout as delay } from "node:timers/promises";

/**
 * Waits for a condition, checked over and over: `check` returns the value
 * that shows it holds, or undefined/false while it does not yet. The timeout
 * only bounds a test that would otherwise hang; it is never what a test
 * waits for. Checks are tight (a crash test must catch a step boundary that
 * lasts a fraction of a second) but each one awaits its own I/O.
 */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined | false> | T | undefined | false, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await delay(everyMs);
  }
}
