/** The filter flags `keel audit` and `keel audit export` share, sent as GET /v1/audit's query (the API validates them). */
export const AUDIT_FILTER_OPTIONS = {
  cluster: { type: "string" },
  actor: { type: "string" },
  action: { type: "string" },
  outcome: { type: "string" },
  run: { type: "string" },
  since: { type: "string" },
  until: { type: "string" },
} as const;

export const AUDIT_FILTER_USAGE = `      --cluster NAME    entries about this cluster
      --actor ACTOR     by this actor, as shown (token:<id>, relay:<name>, system…)
      --action ACTION   this action, as shown (cluster.update, run.start…)
      --outcome OUTCOME ok, denied, failed or error
      --run ID          a run's own entries (start, finish, cancel)
      --since TIME      from TIME: ISO 8601 with its zone (2026-12-01,
                        2026-12-01T10:00:00Z) or a duration back (30m, 24h, 7d)
      --until TIME      up to TIME (same forms)`;

export function auditFilterQuery(values: Partial<Record<keyof typeof AUDIT_FILTER_OPTIONS, string>>): Record<string, string | undefined> {
  const { cluster, actor, action, outcome, run, since, until } = values;
  return { cluster, actor, action, outcome, run, since, until };
}
