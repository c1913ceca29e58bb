import { copyFile, chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

/** The version a stand-in reports unless told otherwise: the seed article's. */
export const DEFAULT_K0S_VERSION = "v1.21.2+k0s.1";

const K0S_SOURCE = fileURLToPath(new URL("./standin/k0s", import.meta.url));
const SYSTEMCTL_SOURCE = fileURLToPath(new URL("./standin/systemctl", import.meta.url));
const VERSION_MARKER = "// keel-standin:version";

/**
 * Write a k0s stand-in that reports `version` (with or without the leading
 * "v"). The version is baked into the file, like a real k0s binary, so two
 * stand-ins of different versions are two different files to upload.
 */
export async function writeStandin(path: string, version: string = DEFAULT_K0S_VERSION): Promise<void> {
  const v = version.startsWith("v") ? version : `v${version}`;
  if (!/^v\d+\.\d+\.\d+[\w.+-]*$/.test(v)) throw new Error(`not a k0s version: ${version}`);
  const source = await readFile(K0S_SOURCE, "utf8");
  const lines = source.split("\n");
  const at = lines.findIndex((line) => line.endsWith(VERSION_MARKER));
  if (at < 0) throw new Error(`${K0S_SOURCE} has no line ending with ${VERSION_MARKER}`);
  lines[at] = `const VERSION = ${JSON.stringify(v)}; ${VERSION_MARKER}`;
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, lines.join("\n"), { mode: 0o755 });
  await chmod(path, 0o755);
}

export async function writeSystemctlStandin(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await copyFile(SYSTEMCTL_SOURCE, path);
  await chmod(path, 0o755);
}
