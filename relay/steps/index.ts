import type { Step } from "../../schema/steps";
import { backupCreate } from "./backup-create";
import { backupRestore } from "./backup-restore";
import { certCheck } from "./cert-check";
import { etcdHealth } from "./cert-etcd-health";
import { certInventory } from "./cert-inventory";
import { fileUpload } from "./file-upload";
import { hookRun } from "./hook-run";
import { hostConnect } from "./host-connect";
import { hostDisconnect } from "./host-disconnect";
import { hostFacts } from "./host-facts";
import { hostOs } from "./host-os";
import { k0sBinaryInstall } from "./k0s-binary-install";
import { k0sBinaryStage } from "./k0s-binary-stage";
import { k0sConfigWrite } from "./k0s-config-write";
import { k0sEtcdLeave } from "./k0s-etcd-leave";
import { k0sFacts } from "./k0s-facts";
import { k0sInstall } from "./k0s-install";
import { k0sKubeconfigAdmin } from "./k0s-kubeconfig-admin";
import { k0sKubeconfigCreate } from "./k0s-kubeconfig-create";
import { k0sReset } from "./k0s-reset";
import { k0sTokenCreate } from "./k0s-token-create";
import { k0sTokenInvalidate } from "./k0s-token-invalidate";
import { k0sWaitReady } from "./k0s-wait-ready";
import { kubeApply } from "./kube-apply";
import { kubeCordon } from "./kube-cordon";
import { kubeDrain } from "./kube-drain";
import { kubeNodeDelete } from "./kube-node-delete";
import { kubeUncordon } from "./kube-uncordon";
import { service } from "./service";
import type { StepContext, StepOutcome } from "./step-context";

/** Routes a validated step to its renderer; the switch keeps every kind handled. */
export function runStep(step: Step, ctx: StepContext): Promise<StepOutcome> {
  switch (step.kind) {
    case "host.connect":
      return hostConnect(step, ctx);
    case "host.os":
      return hostOs(step, ctx);
    case "host.facts":
      return hostFacts(step, ctx);
    case "host.disconnect":
      return hostDisconnect(step, ctx);
    case "k0s.facts":
      return k0sFacts(step, ctx);
    case "k0s.binary.stage":
      return k0sBinaryStage(step, ctx);
    case "k0s.binary.install":
      return k0sBinaryInstall(step, ctx);
    case "file.upload":
      return fileUpload(step, ctx);
    case "k0s.config.write":
      return k0sConfigWrite(step, ctx);
    case "k0s.install":
      return k0sInstall(step, ctx);
    case "service.start":
    case "service.stop":
    case "service.restart":
      return service(step, ctx);
    case "k0s.wait.ready":
      return k0sWaitReady(step, ctx);
    case "k0s.token.create":
      return k0sTokenCreate(step, ctx);
    case "k0s.token.invalidate":
      return k0sTokenInvalidate(step, ctx);
    case "kube.cordon":
      return kubeCordon(step, ctx);
    case "kube.drain":
      return kubeDrain(step, ctx);
    case "kube.uncordon":
      return kubeUncordon(step, ctx);
    case "kube.node.delete":
      return kubeNodeDelete(step, ctx);
    case "kube.apply":
      return kubeApply(step, ctx);
    case "k0s.etcd.leave":
      return k0sEtcdLeave(step, ctx);
    case "k0s.reset":
      return k0sReset(step, ctx);
    case "hook.run":
      return hookRun(step, ctx);
    case "k0s.kubeconfig.admin":
      return k0sKubeconfigAdmin(step, ctx);
    case "k0s.kubeconfig.create":
      return k0sKubeconfigCreate(step, ctx);
    case "k0s.backup":
      return backupCreate(step, ctx);
    case "k0s.restore":
      return backupRestore(step, ctx);
    case "cert.inventory":
      return certInventory(step, ctx);
    case "cert.check":
      return certCheck(step, ctx);
    case "k0s.etcd.health":
      return etcdHealth(step, ctx);
  }
}
