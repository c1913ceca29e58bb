import { describe, expect, it } from "vitest";
import { configDiff } from "../../worker/planner/diff";

describe("the dry run's config diff", () => {
  it("names a changed kine dataSource without showing its credentials", () => {
    const diff = configDiff(
      { spec: { storage: { type: "kine", kine: { dataSource: "mysql://root:hunter2@db/k0s" } } } },
      { spec: { storage: { type: "kine", kine: { dataSource: "mysql://root:s3cret@db/k0s" } }, telemetry: { enabled: false } } },
    );
    expect(diff).toEqual([
      { path: "spec.storage.kine.dataSource", from: "(redacted)", to: "(redacted)" },
      { path: "spec.telemetry", to: { enabled: false } },
    ]);
    expect(JSON.stringify(diff)).not.toMatch(/hunter2|s3cret/);
  });
});
