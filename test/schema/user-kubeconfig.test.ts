import { describe, expect, it } from "vitest";
import { CreateKubeconfigBody, K0S_PKI_NAMES } from "../../schema/user-kubeconfig";

const refusal = (body: unknown) => {
  const parsed = CreateKubeconfigBody.safeParse(body);
  return parsed.success ? null : parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
};

describe("CreateKubeconfigBody", () => {
  it.each([
    [{ user: "alice", group: "developers" }],
    [{ user: "bob.smith@example.com", group: "team_a-ops.eu" }],
    // The seed article's own example.
    [{ user: "testUser", group: "system:masters", clusterAdmin: true }],
    [{ user: "ci", group: "deployers", clusterAdmin: false }],
  ])("accepts %j", (body) => {
    expect(refusal(body)).toBeNull();
  });

  it.each<[string, unknown, string, RegExp]>([
    ["a system: user", { user: "system:kube-scheduler", group: "dev" }, "user", /reserved for Kubernetes/],
    ["a system: node user", { user: "system:node:k1", group: "system:nodes" }, "user", /reserved/],
    ["system:nodes", { user: "alice", group: "system:nodes" }, "group", /belong to the cluster itself/],
    ["system:kube-controller-manager as group", { user: "alice", group: "system:kube-controller-manager" }, "group", /belong to the cluster/],
    ["system:serviceaccounts", { user: "alice", group: "system:serviceaccounts" }, "group", /belong to the cluster/],
    ["system:masters without clusterAdmin", { user: "testUser", group: "system:masters" }, "group", /clusterAdmin: true/],
    ["system:masters with clusterAdmin: false", { user: "testUser", group: "system:masters", clusterAdmin: false }, "group", /clusterAdmin: true/],
    ["clusterAdmin for another group", { user: "alice", group: "dev", clusterAdmin: true }, "clusterAdmin", /only for group system:masters/],
    ["a comma in the group", { user: "alice", group: "dev,ops" }, "group", /one group per credential/],
    ["a path in the user", { user: "etcd/peer", group: "dev" }, "user", /letters, digits/],
    ["a parent path", { user: "../ca", group: "dev" }, "user", /letters, digits/],
    ["..", { user: "..", group: "dev" }, "user", /may not be/],
    ["a space", { user: "alice smith", group: "dev" }, "user", /letters, digits/],
    ["a control character", { user: "alice\n", group: "dev" }, "user", /letters, digits/],
    ["a colon in the user", { user: "team:alice", group: "dev" }, "user", /letters, digits/],
    ["an empty user", { user: "", group: "dev" }, "user", /./],
    ["an empty group", { user: "alice", group: "" }, "group", /./],
    ["a space in the group", { user: "alice", group: "dev ops" }, "group", /letters, digits/],
    ["an unknown field", { user: "alice", group: "dev", groups: ["x"] }, "", /unrecognized/i],
  ])("refuses %s, naming the field", (_what, body, path, message) => {
    const issues = refusal(body);
    expect(issues).not.toBeNull();
    expect(issues?.some((i) => i.path === path && message.test(i.message)), JSON.stringify(issues)).toBe(true);
  });

  it.each(K0S_PKI_NAMES.map((n) => [n]))("refuses the k0s PKI name %s (k0s would overwrite that file)", (user) => {
    const issues = refusal({ user, group: "dev" });
    expect(issues?.[0]).toMatchObject({ path: "user", message: expect.stringMatching(/k0s PKI file/) });
  });

  it("refuses PKI names whatever their case", () => {
    expect(refusal({ user: "Admin", group: "dev" })?.[0]?.path).toBe("user");
  });
});
