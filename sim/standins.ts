import { chmod, mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

// The k0s and systemctl stand-ins are typed modules (standin/k0s/*.ts,
// standin/systemctl/*.ts) that tsc and eslint check; a host receives each as
// one executable file, like a real binary, so they are bundled here with
// esbuild (the `yaml` package included). CommonJS, because the file runs from
// /usr/local/bin where no package.json makes it a module.

/** The version a stand-in reports unless told otherwise: the seed article's. */
export const DEFAULT_K0S_VERSION = "v1.21.2+k0s.1";

const K0S_ENTRY = fileURLToPath(new URL("./standin/k0s/main.ts", import.meta.url));
const SYSTEMCTL_ENTRY = fileURLToPath(new URL("./standin/systemctl/main.ts", import.meta.url));

async function bundle(entry: string, define: Record<string, string> = {}): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: "node",
    target: "node20",
    format: "cjs",
    banner: { js: "#!/usr/bin/env node" },
    define,
    legalComments: "none",
    logLevel: "silent",
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error(`esbuild produced nothing for ${entry}`);
  return file.text;
}

// One bundle per version (and one systemctl) per process: every host of every
// cluster a test starts gets the same bytes without bundling again.
const bundles = new Map<string, Promise<string>>();
function cached(key: string, make: () => Promise<string>): Promise<string> {
  let made = bundles.get(key);
  if (!made) {
    made = make();
    made.catch(() => bundles.delete(key));
    bundles.set(key, made);
  }
  return made;
}

/** The k0s stand-in reporting `version` (with or without the leading "v"), as one file's text. */
export function k0sStandinText(version: string = DEFAULT_K0S_VERSION): Promise<string> {
  const v = version.startsWith("v") ? version : `v${version}`;
  if (!/^v\d+\.\d+\.\d+[\w.+-]*$/.test(v)) return Promise.reject(new Error(`not a k0s version: ${version}`));
  return cached(`k0s ${v}`, () => bundle(K0S_ENTRY, { K0S_STANDIN_VERSION: JSON.stringify(v) }));
}

async function writeExecutable(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text, { mode: 0o755 });
  await chmod(path, 0o755);
}

/**
 * Write a k0s stand-in that reports `version`. The version is baked into the
 * file, like a real k0s binary, so two stand-ins of different versions are
 * two different files to upload.
 */
export async function writeStandin(path: string, version: string = DEFAULT_K0S_VERSION): Promise<void> {
  await writeExecutable(path, await k0sStandinText(version));
}

export async function writeSystemctlStandin(path: string): Promise<void> {
  await writeExecutable(path, await cached("systemctl", () => bundle(SYSTEMCTL_ENTRY)));
}
