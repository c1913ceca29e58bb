import { X509Certificate } from "node:crypto";
import { parseDocument } from "yaml";
import type { CertificateInfo } from "../../schema/step-reports";
import type { K0sKubeconfigCreateStep } from "../../schema/steps-k0s";
import { sh } from "../quote";
import { rewriteServer } from "./k0s-kubeconfig-admin";
import { commandFailed, failed, isFailure, type StepContext, type StepOutcome } from "./step-context";

/**
 * `k0s kubeconfig create --groups GROUP USER`, returned once in stdout (a
 * secretStdout kind: never journaled, logged or kept on the relay). k0s
 * writes the user's certificate and private key into the cluster's PKI; the
 * same shell command removes them, whatever k0s exited with, so no user key
 * stays on the controller even if the relay goes away mid-step. Files left
 * by an earlier create are removed first: k0s would otherwise hand back that
 * certificate, with that request's group.
 */
export async function k0sKubeconfigCreate(step: K0sKubeconfigCreateStep, ctx: StepContext): Promise<StepOutcome> {
  const userFiles = [`${step.dataDir}/pki/${step.user}.crt`, `${step.dataDir}/pki/${step.user}.key`];
  const create = sh`${step.installPath} kubeconfig create --data-dir=${step.dataDir} --groups=${step.group} ${step.user}`;
  const command = sh`rm -f -- ${userFiles} && { ${create}; rc=$?; rm -f -- ${userFiles}; exit $rc; }`;
  const res = await ctx.run(command, { asRoot: true });
  if (isFailure(res)) return { ...commandFailed(create, res), stdout: "" };
  const kubeconfig = rewriteServer(res.stdout, step.server);
  const certificate = kubeconfig === undefined ? undefined : clientCertificate(kubeconfig, userFiles[0] ?? "");
  if (!kubeconfig || !certificate) return failed("command_failed", `\`${create.text}\` printed no kubeconfig with a client certificate`);
  return { ok: true, exitCode: 0, stdout: kubeconfig, stderr: res.stderr, report: { kind: "certificates", certificates: [certificate] } };
}

/** The public facts of the kubeconfig's client certificate (the key is not looked at). */
export function clientCertificate(kubeconfig: string, path: string): CertificateInfo | undefined {
  const data: unknown = parseDocument(kubeconfig).getIn(["users", 0, "user", "client-certificate-data"]);
  if (typeof data !== "string") return undefined;
  try {
    const cert = new X509Certificate(Buffer.from(data, "base64"));
    return {
      path,
      subject: cert.subject.replaceAll("\n", ", "),
      issuer: cert.issuer.replaceAll("\n", ", "),
      sans: cert.subjectAltName?.split(", ") ?? [],
      notBefore: Date.parse(cert.validFrom),
      notAfter: Date.parse(cert.validTo),
      isCA: cert.ca,
      fingerprint: cert.fingerprint256,
    };
  } catch {
    return undefined;
  }
}
