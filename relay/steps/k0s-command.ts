import { sh, type ShellText } from "../quote";

/** The k0s binary and data dir a k0s step carries. */
export interface K0sPaths {
  installPath: string;
  dataDir: string;
}

/** `<k0s> kubectl --data-dir=<dir>`: kube.* steps and waits, on the host's own control plane. */
export function kubectl(step: K0sPaths): ShellText {
  return sh`${step.installPath} kubectl --data-dir=${step.dataDir}`;
}
