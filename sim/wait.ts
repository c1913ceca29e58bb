/**
 * Wait until `probe` returns a value (anything but undefined or false) and
 * return it. Polls; what is waited for is the condition, never a time: the
 * deadline only turns a condition that never comes into a clear failure
 * naming `what`, so it is generous (a loaded 2-core machine is slow).
 */
export async function waitUntil<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000, pollMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
