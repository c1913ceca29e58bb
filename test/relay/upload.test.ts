import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { appendFile, mkdir, readFile, readdir, stat, truncate, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StepResult } from "../../schema/steps";
import { startHosts, type SimCluster, type SimHost } from "../../sim/harness";
import { tempDir, waitFor } from "./helpers";
import { countCallsOf, relayParts, targetOf } from "./sim-relay";

// Own address (127.0.0.49) inside test/relay's .41–.55.
const FIRST_OCTET = 53;
const BUNDLE = 64 * 1024 * 1024;
const IMAGES = "/var/lib/k0s/images";

describe("file.upload: pipelined SFTP writes, staging outside the destination folder, and the skip rule", () => {
  let cluster: SimCluster;
  let state: Awaited<ReturnType<typeof tempDir>>;
  let roots: Awaited<ReturnType<typeof tempDir>>;
  let parts: Awaited<ReturnType<typeof relayParts>>;
  let sums: Awaited<ReturnType<typeof countCallsOf>>;
  let seq = 0;

  const host = (): SimHost => {
    const h = cluster.hosts[0];
    if (!h) throw new Error("no host");
    return h;
  };
  const onHost = (path: string) => join(host().root, path);
  const source = () => join(roots.path, "bundle.tar");
  const upload = async (): Promise<StepResult> => {
    const step = { id: `upload-${++seq}`, kind: "file.upload", host: targetOf(cluster, host()), timeoutMs: 120_000, source: { from: "relay", path: source() }, dstDir: IMAGES, perm: "0644", dirPerm: "0755" };
    const { result } = await parts.executor.execute("run-upload", step);
    if (!result.ok) throw new Error(`upload failed: ${JSON.stringify(result.error)}`);
    return result;
  };
  const sha256 = async (path: string) => createHash("sha256").update(await readFile(path)).digest("hex");

  beforeAll(async () => {
    state = await tempDir("keel-relay-upload-");
    roots = await tempDir("keel-relay-upload-roots-");
    const bytes = Buffer.alloc(BUNDLE);
    for (let i = 0; i < BUNDLE; i += 4096) bytes.writeUInt32BE(i, i);
    await writeFile(source(), bytes);
    cluster = await startHosts({ count: 1, firstOctet: FIRST_OCTET, hostnames: ["upload-1"] });
    parts = await relayParts(state.path, { uploadRoots: [roots.path] });
    sums = await countCallsOf(host(), "sha256sum");
  }, 120_000);
  afterAll(async () => {
    await sums?.remove();
    await parts?.pool.closeAll();
    await cluster?.stop();
    await state?.remove();
    await roots?.remove();
  });

  it("stages the file beside images/, never inside it, and sends every byte", async () => {
    await mkdir(onHost(IMAGES), { recursive: true });
    const running = upload();
    // While bytes arrive, they are in a .keel-tmp-* folder next to images/; images/ holds nothing yet.
    const staged = await waitFor(
      () => {
        const dirs = existsSync(onHost("/var/lib/k0s")) ? readdirSync(onHost("/var/lib/k0s")).filter((n) => n.startsWith(".keel-tmp-")) : [];
        return dirs.length > 0 && dirs;
      },
      20_000,
      "a staging folder beside images/",
    );
    expect(staged).toHaveLength(1);
    // The rename may land any moment now, but whatever images/ holds is whole.
    for (const name of await readdir(onHost(IMAGES))) {
      expect(name).toBe("bundle.tar");
      expect((await stat(onHost(`${IMAGES}/${name}`))).size).toBe(BUNDLE);
    }
    const result = await running;
    expect(result.transfer).toEqual({ files: 1, skipped: 0, bytes: BUNDLE });
    expect(await readdir(onHost(IMAGES))).toEqual(["bundle.tar"]);
    expect(await sha256(onHost(`${IMAGES}/bundle.tar`))).toBe(await sha256(source()));
    expect((await readdir(onHost("/var/lib/k0s"))).filter((n) => n.startsWith(".keel-tmp-"))).toEqual([]);
  });

  it("re-uploads nothing, hashing neither the source nor the host's copy again", async () => {
    const hashedBefore = parts.files.hashed;
    const result = await upload();
    expect(result.transfer).toEqual({ files: 1, skipped: 1, bytes: 0 });
    expect(result.changed).toBe(false);
    expect(parts.files.hashed).toBe(hashedBefore);
    expect(await sums.calls()).toBe(0);
  });

  it("hashes on the host once something touched its copy, and sends only when the bytes differ", async () => {
    // Same bytes, but touched: the record no longer vouches for it, the host's hash does.
    const now = new Date();
    await utimes(onHost(`${IMAGES}/bundle.tar`), now, now);
    expect((await upload()).transfer).toEqual({ files: 1, skipped: 1, bytes: 0 });
    expect(await sums.calls()).toBe(1);
    // Verified once, vouched for again.
    expect((await upload()).transfer).toMatchObject({ skipped: 1 });
    expect(await sums.calls()).toBe(1);

    // Same size, other bytes: the host's hash differs and the file is sent again.
    const copy = onHost(`${IMAGES}/bundle.tar`);
    const size = (await stat(copy)).size;
    await appendFile(copy, "x");
    await truncate(copy, size - 1);
    await appendFile(copy, "y");
    expect((await upload()).transfer).toEqual({ files: 1, skipped: 0, bytes: BUNDLE });
    expect(await sums.calls()).toBe(2);
    expect(await sha256(copy)).toBe(await sha256(source()));
  });

  it("hashes a changed source again, and sends it", async () => {
    const hashedBefore = parts.files.hashed;
    await appendFile(source(), "one more line\n");
    const result = await upload();
    expect(parts.files.hashed).toBe(hashedBefore + 1);
    expect(result.transfer).toEqual({ files: 1, skipped: 0, bytes: BUNDLE + 14 });
    expect(await sha256(onHost(`${IMAGES}/bundle.tar`))).toBe(await sha256(source()));
  });
});
