import { ApiFailure } from "./api-client";
import { EXIT_FAILED, type CliIo } from "./command";

/**
 * Runs a command body that talks to the API; an ApiFailure (or any other
 * error) is printed as `error: <message>` plus one `  <path>: <message>` line
 * per detail, and becomes exit 1.
 */
export async function reportingFailures(io: CliIo, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    printFailure(io, err);
    return EXIT_FAILED;
  }
}

export function printFailure(io: CliIo, err: unknown): void {
  if (err instanceof ApiFailure) {
    io.err(`error: ${err.message}`);
    for (const d of err.details) io.err(`  ${d.path}: ${d.message}`);
    return;
  }
  io.err(`error: ${err instanceof Error ? err.message : String(err)}`);
}
