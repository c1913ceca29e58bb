import { describe, expect, it } from "vitest";
import { Backoff } from "../../relay/backoff";

describe("reconnect backoff", () => {
  it("doubles from 500 ms up to the 30 s cap, jittered within the upper half", () => {
    const low = new Backoff(500, 30_000, () => 0);
    const high = new Backoff(500, 30_000, () => 1);
    const lows = Array.from({ length: 10 }, () => low.next());
    const highs = Array.from({ length: 10 }, () => high.next());
    expect(highs).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000]);
    expect(lows).toEqual(highs.map((h) => h / 2));
  });

  it("starts over after reset (a stable connection)", () => {
    const b = new Backoff(500, 30_000, () => 1);
    b.next();
    b.next();
    b.reset();
    expect(b.next()).toBe(500);
  });
});
