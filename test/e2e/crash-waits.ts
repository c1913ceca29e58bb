import { setTimeout as delay } from "node:timers/promises";
import { watch } from "node:fs";

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

/**
 * Like waitFor, for a condition on files under `dir`: checked again the
 * moment anything in the folder changes (inotify), so a crash can land within
 * a millisecond or two of a host writing its record.
 */
export async function waitForChangeIn<T>(dir: string, what: string, timeoutMs: number, check: () => T | undefined | false): Promise<T> {
  const first = check();
  if (first !== undefined && first !== false) return first;
  return new Promise<T>((resolve, reject) => {
    const finish = (err: Error | null, value?: T) => {
      watcher.close();
      clearInterval(poll);
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(value as T);
    };
    const recheck = () => {
      try {
        const value = check();
        if (value !== undefined && value !== false) finish(null, value);
      } catch (err) {
        finish(err instanceof Error ? err : new Error(String(err)));
      }
    };
    const watcher = watch(dir, recheck);
    // inotify can drop events under load: a slow poll backs it up.
    const poll = setInterval(recheck, 50);
    const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`)), timeoutMs);
  });
}
