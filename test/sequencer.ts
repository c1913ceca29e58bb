import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * About how long each slow file takes (seconds, one CI run on the 2-core
 * machine). vitest orders files by the durations it cached on the last run,
 * but CI starts from a clean clone with no cache, and then orders project by
 * project (e2e, relay, unit, worker): the worker project's forty files
 * queued behind everything else made a tail of their own. Longest first,
 * across projects, is the better schedule for four workers; a file missing
 * here counts as quick. Keep it roughly right, not exact.
 */
const SLOW_FILES: Readonly<Record<string, number>> = {
  "test/e2e/apply-seed-examples.test.ts": 196,
  "test/e2e/backup-restore.test.ts": 181,
  "test/e2e/apply-lifecycle.test.ts": 158,
  "test/e2e/certs.test.ts": 139,
  "test/sim/standin.test.ts": 111,
  "test/e2e/crash-relay-killed.test.ts": 88,
  "test/e2e/crash-relay-offline.test.ts": 86,
  "test/e2e/reset.test.ts": 82,
  "test/e2e/crash-api-restart.test.ts": 82,
  "test/e2e/lb-haproxy.test.ts": 62,
  "test/e2e/apply-host-options.test.ts": 53,
  "test/e2e/facts.test.ts": 50,
  "test/worker/fuzz.test.ts": 48,
  "test/e2e/user-kubeconfig.test.ts": 47,
  "test/cli/audit.test.ts": 43,
  "test/worker/auth-matrix.test.ts": 33,
  "test/relay/k0s-apply.test.ts": 26,
  "test/worker/apply-runs.test.ts": 21,
};

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    const weight = (spec: TestSpecification) => SLOW_FILES[relative(spec.project.config.root, spec.moduleId)] ?? 0;
    // Array.prototype.sort is stable: quick files keep vitest's own order.
    return [...base].sort((a, b) => weight(b) - weight(a));
  }
}
