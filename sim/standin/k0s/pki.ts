import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { HOST, run } from "./host";
import { writeAdminConf } from "./kubeconfig";
import { CERTIFICATE_DAYS_FILE } from "./state";

// Real x509 certificates made with openssl: CAs are made once and kept for
// 10 years; every leaf is issued anew (1 year) at each controller start, as
// k0s does — what certificate renewal relies on. Tests shorten the leaves'
// life with <clusterStateDir>/certificate-days (a number of days, read at
// each issue), so "expiring soon → renewed → not expiring" can be shown.

/** How long a leaf issued now lives: 365 days, unless the cluster state says otherwise. */
export function leafDays(): number {
  try {
    const days = Number(readFileSync(join(HOST.clusterDir, CERTIFICATE_DAYS_FILE), "utf8").trim());
    return Number.isInteger(days) && days >= 1 && days <= 3650 ? days : 365;
  } catch {
    return 365;
  }
}

const LEAF_CERTS: [name: string, cn: string, org?: string][] = [
  ["server", "kube-apiserver"], ["admin", "kubernetes-admin", "system:masters"], ["k0s-api", "k0s-api"],
  ["scheduler", "system:kube-scheduler"], ["ccm", "system:kube-controller-manager"], ["konnectivity", "kubernetes-konnectivity"],
  ["apiserver-kubelet-client", "apiserver-kubelet-client", "system:masters"], ["apiserver-etcd-client", "apiserver-etcd-client", "system:masters"],
];
const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

async function ensureCa(pki: string, name: string, cn: string): Promise<void> {
  const crt = join(pki, `${name}.crt`);
  if (existsSync(crt)) return;
  mkdirSync(dirname(crt), { recursive: true });
  await run("openssl", ["req", "-x509", ...EC, "-days", "3650", "-subj", `/CN=${cn}`, "-keyout", join(pki, `${name}.key`), "-out", crt]);
}

/** <pki>/<name>.{crt,key}, signed by <pki>/<ca>. */
export async function issue(pki: string, ca: string, name: string, cn: string, org?: string, days = leafDays()): Promise<void> {
  const subject = org ? `/O=${org}/CN=${cn}` : `/CN=${cn}`;
  const sans = `subjectAltName=DNS:localhost,DNS:${HOST.hostname},IP:127.0.0.1,IP:${HOST.address}`;
  await run("openssl", [
    "req", "-x509", "-CA", join(pki, `${ca}.crt`), "-CAkey", join(pki, `${ca}.key`), ...EC, "-days", String(days),
    // `req -x509` marks what it makes a CA unless told otherwise; k0s's leaves are not CAs.
    "-subj", subject, "-addext", sans, "-addext", "basicConstraints=critical,CA:FALSE", "-keyout", join(pki, `${name}.key`), "-out", join(pki, `${name}.crt`),
  ]);
}

/** A controller's PKI at start; one that joined copies the cluster's CA first. */
export async function controllerPki(dataDir: string, joined: boolean): Promise<void> {
  const pki = join(dataDir, "pki");
  const shared = join(HOST.clusterDir, "pki");
  mkdirSync(join(pki, "etcd"), { recursive: true });
  if (!existsSync(join(pki, "ca.crt")) && joined && existsSync(join(shared, "ca.crt"))) {
    for (const f of ["ca.crt", "ca.key"]) copyFileSync(join(shared, f), join(pki, f));
  }
  await Promise.all([ensureCa(pki, "ca", "kubernetes-ca"), ensureCa(pki, "front-proxy-ca", "kubernetes-front-proxy-ca"), ensureCa(pki, "etcd/ca", "etcd-ca")]);
  mkdirSync(shared, { recursive: true });
  for (const f of ["ca.crt", "ca.key"]) copyFileSync(join(pki, f), join(shared, f));
  await Promise.all([
    ...LEAF_CERTS.map(([name, cn, org]) => issue(pki, "ca", name, cn, org)),
    issue(pki, "front-proxy-ca", "front-proxy-client", "front-proxy-client"),
    issue(pki, "etcd/ca", "etcd/server", "etcd-server"),
    issue(pki, "etcd/ca", "etcd/peer", "etcd-peer"),
  ]);
  writeAdminConf(pki);
}
