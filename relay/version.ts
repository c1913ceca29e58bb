import { readFileSync } from "node:fs";
import { z } from "zod";

/** The relay's version, as the package says (sent in `hello`). */
export function relayVersion(): string {
  try {
    const pkg = z.object({ version: z.string().max(50) }).parse(JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")));
    return pkg.version;
  } catch {
    return "0.0.0-unknown";
  }
}
