import { createWriteStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { Readable, Writable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { pipeline } from "node:stream/promises";
import { AuditCheckpoint } from "../../schema/audit-api";
import { failureFrom } from "../api-client";
import { API_OPTIONS, API_USAGE, apiClientFrom } from "../api-flags";
import { AUDIT_FILTER_OPTIONS, AUDIT_FILTER_USAGE, auditFilterQuery } from "../audit-filters";
import { EXIT_OK, type CliIo } from "../command";
import { briefUsageError, parseCommandLine, usageError } from "../parse-args";
import { reportingFailures } from "../report-failure";

const USAGE = `usage: keel audit export --format ndjson|csv [FILTERS] [--out FILE] [--checkpoint FILE]

Streams the filtered audit history, oldest first, up to the newest entry when
the export starts. Each line carries seq, time, at, actor, action, cluster,
target, outcome, details, prevHash and hash: what \`keel audit verify\` needs.
An export without filters (or with --since only) can be verified.

      --format FORMAT   ndjson (one JSON object a line) or csv (RFC 4180)
      --out FILE        write to FILE instead of standard output
      --checkpoint FILE before exporting, save a signed checkpoint of the
                        chain head to FILE (the export covers it)
${AUDIT_FILTER_USAGE}
${API_USAGE}
  -h, --help            show this help

Exit status: 0 done; 1 refused by the API; 2 wrong command line.`;

export async function runAuditExport(args: string[], io: CliIo): Promise<number> {
  const options = { ...AUDIT_FILTER_OPTIONS, format: { type: "string" }, out: { type: "string" }, checkpoint: { type: "string" }, help: { type: "boolean", short: "h" }, ...API_OPTIONS } as const;
  const cmd = parseCommandLine("audit export", USAGE, { args, options }, io);
  if (!cmd.ok) return cmd.exit;
  const { values } = cmd.parsed;
  const format = values.format;
  if (format !== "ndjson" && format !== "csv") return usageError(io, "audit export", USAGE, `--format must be ndjson or csv${format === undefined ? "" : `, not ${JSON.stringify(format)}`}`);
  const api = apiClientFrom(values, io);
  if (!api.ok) return briefUsageError(io, "audit export", api.message);
  return reportingFailures(io, async () => {
    // Signed first: the export then reaches at least this head, so the checkpoint is inside it.
    if (values.checkpoint !== undefined) {
      const checkpoint = await api.client.json("GET", "/v1/audit/checkpoint", AuditCheckpoint);
      await writeFile(resolve(io.cwd, values.checkpoint), `${JSON.stringify(checkpoint, null, 2)}\n`);
    }
    const res = await api.client.send("GET", "/v1/audit", { query: { ...auditFilterQuery(values), format }, headers: { Accept: "*/*" } });
    if (!res.ok || res.body === null) throw await failureFrom(res);
    const sink = values.out === undefined ? linesTo(io) : createWriteStream(resolve(io.cwd, values.out));
    await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), sink);
    if (values.out !== undefined) io.err(`audit export (${format}) written to ${values.out}`);
    return EXIT_OK;
  });
}

/** Standard output through io.out, a whole line at a time (io.out ends each line itself). */
function linesTo(io: CliIo): Writable {
  const decoder = new TextDecoder();
  let pending = "";
  return new Writable({
    write(chunk: Uint8Array, _encoding, done) {
      pending += decoder.decode(chunk, { stream: true });
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) io.out(line);
      done();
    },
    final(done) {
      pending += decoder.decode();
      if (pending !== "") io.out(pending);
      done();
    },
  });
}
