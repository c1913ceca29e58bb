import { and, desc, eq, lt } from "drizzle-orm";
import { clusterRevisions, clusters } from "../../../schema/tables";
import { encodeCursor, type RevisionListQuery, type RevisionListResponse, type RevisionView } from "../../../schema/api";
import { openDb } from "../../core/db";
import { KeelError } from "../../../schema/errors";
import { redactSpec } from "./redact-spec";

export interface ListRevisionsInput {
  name: string;
  query: RevisionListQuery;
  /** A viewer: no source (raw text cannot be redacted), and a redacted spec. */
  redact: boolean;
}

/**
 * A cluster's revisions, newest first, a page at a time. Only the metadata
 * unless `full`: a page of whole revisions can be megabytes.
 */
export async function listRevisions(d1: D1Database, input: ListRevisionsInput): Promise<RevisionListResponse> {
  const { name, query } = input;
  const db = openDb(d1);
  const exists = await db.select({ name: clusters.name }).from(clusters).where(eq(clusters.name, name)).get();
  if (!exists) throw new KeelError("not_found", `cluster ${name} not found`);
  const where = and(eq(clusterRevisions.cluster, name), query.cursor ? lt(clusterRevisions.revision, query.cursor.revision) : undefined);
  const meta = { revision: clusterRevisions.revision, createdBy: clusterRevisions.createdBy, createdAt: clusterRevisions.createdAt };
  const order = desc(clusterRevisions.revision);
  const take = query.limit + 1;
  let rows: RevisionView[];
  if (!query.full) {
    rows = await db.select(meta).from(clusterRevisions).where(where).orderBy(order).limit(take).all();
  } else {
    const full = await db.select({ ...meta, source: clusterRevisions.source, spec: clusterRevisions.spec }).from(clusterRevisions).where(where).orderBy(order).limit(take).all();
    rows = full.map((r) => (input.redact ? { revision: r.revision, createdBy: r.createdBy, createdAt: r.createdAt, spec: redactSpec(r.spec) } : r));
  }
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return { revisions: page, nextCursor: rows.length > query.limit && last ? encodeCursor({ revision: last.revision }) : null };
}
