import { describe, expect, it } from "vitest";
import { loadClusterYaml } from "../../schema/cluster-load";
import { envsubst } from "../../schema/envsubst";

// F8: `${relay:NAME}` names a secret only the relay holds. envsubst (the
// CLI's with the user's environment, the API's with none) must leave it as
// written, so the reference, never a value, is what the API stores.
describe("${relay:NAME} references", () => {
  it("survive envsubst untouched, whatever the environment", () => {
    const text = "dataSource: mysql://keel:${relay:kine-db}@tcp(db:3306)/k0s $HOME ${relay:proxy.pass_1}";
    expect(envsubst(text, { HOME: "/home/me", relay: "oops" })).toEqual({ ok: true, text: "dataSource: mysql://keel:${relay:kine-db}@tcp(db:3306)/k0s /home/me ${relay:proxy.pass_1}" });
  });

  it("keep k0sctl's meaning for everything else that starts with ${relay", () => {
    expect(envsubst("${relay}|$relay|${relay:-dflt}|${relay:+set}|${relay:=x}", { relay: "R" })).toEqual({ ok: true, text: "R|R|R|set|R" });
    expect(envsubst("${relay:-dflt}", {})).toEqual({ ok: true, text: "dflt" });
    expect(envsubst("$${relay:x}", {})).toEqual({ ok: true, text: "${relay:x}" });
  });

  it("reach the spec as written in the kine dataSource, environment values and inline file data", () => {
    const yaml = `apiVersion: k0sctl.k0sproject.io/v1beta1
kind: Cluster
metadata: {name: refs}
spec:
  hosts:
  - role: single
    ssh: {address: 10.0.0.1}
    environment:
      HTTPS_PROXY: "http://keel:\${relay:proxy-pass}@proxy:3128"
    files:
    - {name: creds, data: "token=\${relay:registry}\\n", dst: /etc/k0s/registry-token}
  k0s:
    config:
      spec:
        storage: {type: kine, kine: {dataSource: "mysql://keel:\${relay:kine-db}@tcp(db:3306)/k0s"}}
`;
    const loaded = loadClusterYaml(yaml, {});
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    const host = loaded.spec.spec.hosts[0];
    expect(host?.environment.HTTPS_PROXY).toBe("http://keel:${relay:proxy-pass}@proxy:3128");
    expect(host?.files[0]?.data).toBe("token=${relay:registry}\n");
    expect(loaded.spec.spec.k0s.config?.spec?.storage?.kine?.dataSource).toBe("mysql://keel:${relay:kine-db}@tcp(db:3306)/k0s");
  });
});
