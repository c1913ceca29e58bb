import type { Flags, FlagSpec } from "./flags";

// The shape of k0s's command tree: groups of subcommands, and leaves with
// their own flags and argument counts (cobra's model).

export interface CommandContext {
  flags: Flags;
  args: string[];
  words: string[];
}

export interface Leaf {
  short?: string;
  flags?: FlagSpec[];
  /** [min, max] positional arguments. */
  args?: [number, number];
  /** Passes argv untouched (kubectl, ctr parse their own). */
  raw?: boolean;
  run(ctx: CommandContext): Promise<void> | void;
}

export interface CommandGroup {
  short?: string;
  sub: Record<string, Command>;
}

export type Command = Leaf | CommandGroup;
export const isGroup = (c: Command): c is CommandGroup => "sub" in c;
