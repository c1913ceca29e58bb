import { describe, expect, it } from "vitest";
import { loadClusterYaml } from "../../schema/cluster-load";
import { PlanError } from "../../worker/planner/plan";
import { CONNECT_HOOKS_PHASE, planConnectHooks, requireK0sVersion } from "../../worker/planner/plan-connect-hooks";
import { applyGatherPlan, applyHookPaths } from "../../worker/planner/plan-apply-run";

function spec(hostsYaml: string, k0s = "  k0s: {version: 1.21.2+k0s.1}\n") {
  const loaded = loadClusterYaml(`apiVersion: k0sctl.k0sproject.io/v1beta1\nkind: Cluster\nmetadata: {name: hooks}\nspec:\n  hosts:\n${hostsYaml}${k0s}`);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return loaded.spec;
}

const HOOKED = `  - ssh: {address: 10.0.0.1}
    role: controller
    hooks:
      connect:
        after: ["echo connected > /tmp/hook"]
  - ssh: {address: 10.0.0.2}
    role: worker
`;

describe("connect.after hooks and the k0s version an apply needs", () => {
  it("runs connect.after hooks right after Connect to hosts, only on the hosts that have them", () => {
    const plan = applyGatherPlan(spec(HOOKED));
    expect(plan.phases.map((p) => p.name)).toEqual(["Connect to hosts", CONNECT_HOOKS_PHASE, "Detect host operating systems", "Gather host facts", "Gather k0s facts"]);
    const hooks = plan.phases[1]?.steps ?? [];
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ kind: "hook.run", hook: "connect.after", lines: ["echo connected > /tmp/hook"], host: { address: "10.0.0.1" } });
    expect(applyHookPaths(spec(HOOKED))).toEqual(["spec.hosts[0].hooks.connect.after"]);
  });

  it("plans no hook phase when no host has connect hooks", () => {
    expect(planConnectHooks(spec("  - ssh: {address: 10.0.0.1}\n    role: controller\n"))).toBeNull();
  });

  it("refuses an apply without spec.k0s.version before any host is reached", () => {
    const noVersion = spec("  - ssh: {address: 10.0.0.1}\n    role: controller\n", "");
    expect(() => requireK0sVersion(noVersion)).toThrow(PlanError);
    try {
      applyGatherPlan(noVersion);
      expect.unreachable("an apply without a version must not plan");
    } catch (err) {
      expect(err instanceof PlanError && err.issues[0]?.path).toBe("spec.k0s.version");
    }
  });
});
