/**
 * The seed article's section 2.1 k0sctl.yaml (five hosts, etcd, ipvs), with
 * the cluster name as a parameter so each test can store its own copy.
 */
export function seedYaml(name = "k0s-cluster"): string {
  return `apiVersion: k0sctl.k0sproject.io/v1beta1
kind: Cluster
metadata:
  name: ${name}
spec:
  hosts:
  - ssh:
      address: 10.0.0.11
      user: root
      port: 22
      keyPath: /Users/bleem/.ssh/id_rsa
    role: controller+worker
  - ssh:
      address: 10.0.0.12
      user: root
      port: 22
      keyPath: /Users/bleem/.ssh/id_rsa
    role: controller+worker
  - ssh:
      address: 10.0.0.13
      user: root
      port: 22
      keyPath: /Users/bleem/.ssh/id_rsa
    role: controller+worker
  - ssh:
      address: 10.0.0.14
      user: root
      port: 22
      keyPath: /Users/bleem/.ssh/id_rsa
    role: worker
  - ssh:
      address: 10.0.0.15
      user: root
      port: 22
      keyPath: /Users/bleem/.ssh/id_rsa
    role: worker
  k0s:
    version: 1.21.2+k0s.1
    config:
      apiVersion: k0s.k0sproject.io/v1beta1
      kind: Cluster
      metadata:
        name: k0s
      spec:
        api:
          address: 10.0.0.11
          port: 6443
          k0sApiPort: 9443
          sans:
          - 10.0.0.11
          - 10.0.0.12
          - 10.0.0.13
        storage:
          type: etcd
          etcd:
            peerAddress: 10.0.0.11
        network:
          kubeProxy:
            disabled: false
            mode: ipvs
`;
}

/** The same cluster as a JS object (what a client sends as JSON `{site, spec}`). */
export function seedObject(name = "k0s-cluster"): Record<string, unknown> {
  const host = (address: string, role: string) => ({ ssh: { address, user: "root", port: 22, keyPath: "/Users/bleem/.ssh/id_rsa" }, role });
  return {
    apiVersion: "k0sctl.k0sproject.io/v1beta1",
    kind: "Cluster",
    metadata: { name },
    spec: {
      hosts: [
        host("10.0.0.11", "controller+worker"),
        host("10.0.0.12", "controller+worker"),
        host("10.0.0.13", "controller+worker"),
        host("10.0.0.14", "worker"),
        host("10.0.0.15", "worker"),
      ],
      k0s: { version: "1.21.2+k0s.1" },
    },
  };
}

/** Wrong in several places at once: a bad role, a missing address, an out-of-range port. */
export function badSpecYaml(name: string): string {
  return `apiVersion: k0sctl.k0sproject.io/v1beta1
kind: Cluster
metadata:
  name: ${name}
spec:
  hosts:
  - ssh:
      address: 10.0.0.11
      port: 70000
    role: king
  - ssh:
      user: root
    role: worker
`;
}
