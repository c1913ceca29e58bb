/**
 * One line per event on stdout, `[scope] message`. Messages are built by the
 * relay from fields it chose to show; secrets (tokens, keys, secret values)
 * are never passed here. Newlines are flattened so one event stays one line.
 */
export type Log = (scope: string, message: string) => void;

export const consoleLog: Log = (scope, message) => {
  process.stdout.write(`[${scope}] ${message.replace(/[\r\n]+/g, " ")}\n`);
};

export const silentLog: Log = () => {};

/** Error text safe for a log line or a StepResult message. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
