import { parseArgs, type ParseArgsConfig } from "node:util";
import { EXIT_OK, EXIT_USAGE, type CliIo } from "./command";

type Parsed<T extends ParseArgsConfig> = ReturnType<typeof parseArgs<T>>;

/**
 * node:util's parseArgs (strict unless the config says otherwise) with keel's
 * conventions: a wrong command line prints the message and the usage (exit
 * 2), `-h` prints the usage (exit 0); either way the caller gets an exit code
 * instead of values.
 */
export function parseCommandLine<T extends ParseArgsConfig>(
  command: string,
  usage: string,
  config: T,
  io: CliIo,
): { ok: true; parsed: Parsed<T> } | { ok: false; exit: number } {
  let parsed: Parsed<T>;
  try {
    parsed = parseArgs(config);
  } catch (err) {
    return { ok: false, exit: usageError(io, command, usage, err instanceof Error ? err.message : String(err)) };
  }
  const values: Record<string, unknown> = parsed.values;
  if (values.help === true) {
    io.out(usage);
    return { ok: false, exit: EXIT_OK };
  }
  return { ok: true, parsed };
}

export function usageError(io: CliIo, command: string, usage: string, message: string): number {
  io.err(`keel ${command}: ${message}\n\n${usage}`);
  return EXIT_USAGE;
}

/** For a command line that parsed but cannot work (no API URL): the reason, without the whole usage. */
export function briefUsageError(io: CliIo, command: string, message: string): number {
  io.err(`keel ${command}: ${message} (see keel ${command} --help)`);
  return EXIT_USAGE;
}
