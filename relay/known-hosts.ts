import { readFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { isIP } from "node:net";
import { join } from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "./durable-file";

/**
 * Host keys pinned on first use, in `<stateDir>/known_hosts.json`
 * (`"address:port": "SHA256:…"`, the form `ssh-keygen -lf` prints).
 * A host that later shows another key is refused until an operator removes
 * its entry: that is the whole point of pinning.
 */

const KnownHostsFile = z.record(z.string(), z.string().regex(/^SHA256:[A-Za-z0-9+/]+$/));

/** SHA256 fingerprint of an SSH public key blob, as `ssh-keygen -lf` prints it. */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "")}`;
}

/** The fingerprint a spec's hostKey names (it is one, or the public key it is of). */
export function expectedFingerprint(hostKey: string): string {
  if (hostKey.startsWith("SHA256:")) return hostKey.replace(/=+$/, "");
  return fingerprint(Buffer.from(hostKey.split(" ")[1] ?? "", "base64"));
}

export function hostPortKey(address: string, port: number): string {
  return isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}

export type PinOutcome =
  | { kind: "matched"; fingerprint: string }
  | { kind: "pinned"; fingerprint: string }
  | { kind: "mismatch"; expected: string; actual: string };

export class KnownHosts {
  private writes: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly pins: Map<string, string>,
  ) {}

  static async open(stateDir: string): Promise<KnownHosts> {
    const path = join(stateDir, "known_hosts.json");
    let text: string | undefined;
    try {
      text = await readFile(path, "utf8");
    } catch (err) {
      if (!(err instanceof Error && "code" in err && err.code === "ENOENT")) throw err;
    }
    const pins = new Map<string, string>();
    if (text !== undefined) {
      const parsed = KnownHostsFile.safeParse(JSON.parse(text));
      // Refuse to start on a damaged file rather than silently re-pinning every host.
      if (!parsed.success) throw new Error(`${path} is not a valid known_hosts.json`);
      for (const [k, v] of Object.entries(parsed.data)) pins.set(k, v);
    }
    return new KnownHosts(path, pins);
  }

  get(address: string, port: number): string | undefined {
    return this.pins.get(hostPortKey(address, port));
  }

  /** Compares a presented key with the pin, pinning it (durably) when the host is new. */
  async verify(address: string, port: number, keyBlob: Buffer): Promise<PinOutcome> {
    const key = hostPortKey(address, port);
    const actual = fingerprint(keyBlob);
    const run = async (): Promise<PinOutcome> => {
      const expected = this.pins.get(key);
      if (expected === undefined) {
        this.pins.set(key, actual);
        await writeFileAtomic(this.path, `${JSON.stringify(Object.fromEntries(this.pins), null, 2)}\n`, 0o600);
        return { kind: "pinned", fingerprint: actual };
      }
      return expected === actual ? { kind: "matched", fingerprint: actual } : { kind: "mismatch", expected, actual };
    };
    // Serialized so two first connections to one host cannot both "pin".
    const next = this.writes.then(run, run);
    this.writes = next.catch(() => undefined);
    return next;
  }
}
