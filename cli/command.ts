/**
 * What a `keel` subcommand is: a name in main.ts's table, a one-line summary
 * for `keel help`, and a run function that returns the exit code instead of
 * exiting, so a command never cuts off output still being written.
 */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** All of standard input, at most maxBytes (null when larger). */
  readStdin(maxBytes: number): Promise<Buffer | null>;
  /** Calls handler on Ctrl-C (SIGINT) instead of exiting; returns a function that stops listening. */
  onInterrupt(handler: () => void): () => void;
  env: Record<string, string | undefined>;
  cwd: string;
}

export interface Command {
  summary: string;
  usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}

/**
 * Exit codes: 0 success; 1 the input is invalid or unreadable, the API
 * refused the request, or the run failed or was cancelled; 2 the command line
 * is wrong; 130 interrupted with Ctrl-C (128 + SIGINT, as shells report it).
 */
export const EXIT_OK = 0;
export const EXIT_INVALID = 1;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;
