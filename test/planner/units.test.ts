import { describe, expect, it } from "vitest";
import { chunk, disruptionBatchSize, quorumJoinBatches } from "../../worker/planner/batches";
import { expandDownloadUrl, k0sArch, DEFAULT_DOWNLOAD_URL } from "../../worker/planner/download-url";
import { chooseLeader } from "../../worker/planner/leader";
import { compareK0sVersions, normalizeK0sVersion } from "../../worker/planner/version";

describe("leader choice", () => {
  const c = (index: number, running: boolean, reset = false, controller = true) => ({ index, controller, running, reset });

  it("is the first running controller in spec order", () => {
    const r = chooseLeader([c(0, false), c(1, true), c(2, true), c(3, true, false, false)]);
    expect(r.ok && r.leader.index).toBe(1);
  });

  it("is the first controller when none runs", () => {
    const r = chooseLeader([c(0, false, false, false), c(1, false), c(2, false)]);
    expect(r.ok && r.leader.index).toBe(1);
  });

  it("skips controllers marked reset", () => {
    expect(chooseLeader([c(0, true, true), c(1, true)])).toMatchObject({ ok: true, leader: { index: 1 } });
    expect(chooseLeader([c(0, false, true), c(1, false)])).toMatchObject({ ok: true, leader: { index: 1 } });
  });

  it("refuses when the only running controllers are marked reset (a stopped one would start a second cluster)", () => {
    expect(chooseLeader([c(0, true, true), c(1, false)])).toEqual({ ok: false, issue: { path: "spec.hosts[0].reset", message: expect.stringContaining("every running controller") } });
  });

  it("refuses when every controller is marked reset", () => {
    expect(chooseLeader([c(0, false, true), c(1, false, true)])).toMatchObject({ ok: false, issue: { path: "spec.hosts[0].reset" } });
  });
});

describe("quorum-safe controller joins", () => {
  const sizes = (running: number, joiners: number) => quorumJoinBatches(running, Array.from({ length: joiners }, (_, i) => i)).map((b) => b.length);

  it("grows a fresh cluster (leader just initialized) 1 → 2 → 3 → 5 → 9", () => {
    expect(sizes(1, 0)).toEqual([]); // 1 controller
    expect(sizes(1, 1)).toEqual([1]); // 2
    expect(sizes(1, 2)).toEqual([1, 1]); // 3
    expect(sizes(1, 3)).toEqual([1, 1, 1]); // 4: 3 members take 2, only 1 left
    expect(sizes(1, 4)).toEqual([1, 1, 2]); // 5
    expect(sizes(1, 5)).toEqual([1, 1, 2, 1]); // 6
    expect(sizes(1, 6)).toEqual([1, 1, 2, 2]); // 7
  });

  it("never adds more joiners than the running members can outvote if all of them fail", () => {
    for (let running = 1; running <= 7; running++) {
      let members = running;
      for (const size of sizes(running, 20)) {
        if (members > 1) expect(Math.floor((members + size) / 2) + 1).toBeLessThanOrEqual(members);
        else expect(size).toBe(1); // 1 → 2 cannot be made safe; one at a time
        members += size;
      }
    }
  });

  it("lets a healthy 3-member cluster add 2 at once", () => {
    expect(sizes(3, 4)).toEqual([2, 2]);
  });
});

describe("worker disruption batches", () => {
  it("takes workerDisruptionPercent of the workers, rounded down, at least 1", () => {
    expect(disruptionBatchSize(12, 10, 30)).toBe(1); // 1.2 → 1: never above the 10% budget
    expect(disruptionBatchSize(20, 10, 30)).toBe(2);
    expect(disruptionBatchSize(2, 10, 30)).toBe(1);
    expect(disruptionBatchSize(10, 50, 30)).toBe(5);
    expect(disruptionBatchSize(100, 100, 30)).toBe(30); // capped by concurrency.limit
  });

  it("chunks in order", () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });
});

describe("k0sDownloadURL tokens", () => {
  it("expands %p, %v, %x and %%", () => {
    expect(expandDownloadUrl("https://get.example/%v/k0s-%v-%p%x?q=100%%", "v1.21.2+k0s.1", "arm64")).toEqual({ ok: true, url: "https://get.example/v1.21.2+k0s.1/k0s-v1.21.2+k0s.1-arm64?q=100%" });
    expect(expandDownloadUrl(DEFAULT_DOWNLOAD_URL, "v1.21.2+k0s.1", "amd64")).toEqual({ ok: true, url: "https://github.com/k0sproject/k0s/releases/download/v1.21.2+k0s.1/k0s-v1.21.2+k0s.1-amd64" });
  });

  it("maps uname -m to k0s arch names", () => {
    expect([k0sArch("x86_64"), k0sArch("aarch64"), k0sArch("armv7l"), k0sArch("riscv64")]).toEqual(["amd64", "arm64", "arm", null]);
  });

  it("fails on %p with an unknown arch and on unknown tokens", () => {
    expect(expandDownloadUrl("https://x/%p", "v1", null).ok).toBe(false);
    expect(expandDownloadUrl("https://x/%q", "v1", "amd64")).toEqual({ ok: false, message: expect.stringContaining("%q") });
    expect(expandDownloadUrl("https://x/k0s", "v1", null)).toEqual({ ok: true, url: "https://x/k0s" });
  });
});

describe("k0s versions", () => {
  it("orders by version, pre-release, then k0s build", () => {
    expect(compareK0sVersions("v1.21.2+k0s.1", "1.21.2+k0s.1")).toBe(0);
    expect(compareK0sVersions("1.21.2+k0s.0", "1.21.2+k0s.1")).toBe(-1);
    expect(compareK0sVersions("1.22.0+k0s.0", "1.21.9+k0s.3")).toBe(1);
    expect(compareK0sVersions("1.22.0-rc.1+k0s.0", "1.22.0+k0s.0")).toBe(-1);
    expect(compareK0sVersions("1.10.0", "1.9.0")).toBe(1);
    expect(compareK0sVersions("garbage", "1.9.0")).toBeNull();
    expect(normalizeK0sVersion("1.21.2+k0s.1")).toBe("v1.21.2+k0s.1");
  });
});
