import type { PlanIssue } from "./plan";

export interface LeaderCandidate {
  index: number;
  controller: boolean;
  running: boolean;
  reset: boolean;
}

export type LeaderResult<T> = { ok: true; leader: T } | { ok: false; issue: PlanIssue };

/**
 * The controller that creates join tokens and runs kubectl: the first
 * controller (in spec order) already running k0s, else the first controller,
 * which then initializes the cluster. Controllers marked reset are never
 * chosen: they are about to leave.
 */
export function chooseLeader<T extends LeaderCandidate>(hosts: readonly T[]): LeaderResult<T> {
  const controllers = hosts.filter((h) => h.controller);
  const running = controllers.filter((h) => h.running);
  const leader = running.find((h) => !h.reset);
  if (leader) return { ok: true, leader };
  const leaving = running[0];
  if (leaving) {
    // Choosing a stopped controller here would initialize a second, empty cluster beside the running one.
    return {
      ok: false,
      issue: {
        path: `spec.hosts[${leaving.index}].reset`,
        message: "every running controller is marked reset: the cluster would have no leader to join new hosts to; keep one running controller",
      },
    };
  }
  const first = controllers.find((h) => !h.reset);
  if (first) return { ok: true, leader: first };
  const any = controllers[0];
  return {
    ok: false,
    issue: {
      path: any ? `spec.hosts[${any.index}].reset` : "spec.hosts",
      message: any ? "every controller is marked reset: keep at least one (the reset operation removes a whole cluster)" : "must have at least one controller",
    },
  };
}
