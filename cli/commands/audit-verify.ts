import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { AuditCheckpoint } from "../../schema/audit-api";
import { parseAuditExport, type ParsedLine } from "../../schema/audit-export";
import { API_OPTIONS, API_USAGE, apiClientFrom } from "../api-flags";
import { keyFingerprint, readPublicKey } from "../audit-public-key";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo } from "../command";
import { briefUsageError, parseCommandLine, usageError } from "../parse-args";
import { printFailure, reportingFailures } from "../report-failure";
import { verifyAuditExport } from "../verify-audit-export";

const VERIFY_USAGE = `usage: keel audit verify --file EXPORT [--checkpoint FILE] [--public-key KEY]

Checks an export (keel audit export, NDJSON or CSV) offline: recomputes every
entry's hash and its link to the entry before, checks the checkpoint's
Ed25519 signature with the public key, and that the checkpoint's (seq, hash)
is in the export. Names the first bad entry. Without --checkpoint it asks the
API to sign the export's last entry (--api/--token needed), which proves only
that the export matches what the API holds now; a checkpoint kept from
earlier (keel audit checkpoint, keel audit export --checkpoint) proves more.

      --file EXPORT     the export to check
      --checkpoint FILE a saved checkpoint (the JSON of keel audit checkpoint)
      --public-key KEY  the pinned audit public key: base64 (as GET
                        /v1/audit/public-key shows it), an SPKI PEM, or a file
                        holding either (default: $KEEL_AUDIT_PUBLIC_KEY).
                        Without one, the checkpoint's own key is used, which
                        trusts whoever handed over the checkpoint.
${API_USAGE}
  -h, --help            show this help

Exit status: 0 the export is intact; 1 it is not (or cannot be checked);
2 wrong command line.`;

const CHECKPOINT_USAGE = `usage: keel audit checkpoint [--out FILE]

Prints (or saves) the audit chain head signed with the API's Ed25519 key.
Keep copies where the API cannot change them; \`keel audit verify
--checkpoint FILE\` checks a later export against one.

      --out FILE        write the checkpoint to FILE
${API_USAGE}
  -h, --help            show this help

Exit status: 0 done; 1 refused by the API (503: AUDIT_SIGNING_KEY is unset);
2 wrong command line.`;

export async function runAuditCheckpoint(args: string[], io: CliIo): Promise<number> {
  const options = { out: { type: "string" }, help: { type: "boolean", short: "h" }, ...API_OPTIONS } as const;
  const cmd = parseCommandLine("audit checkpoint", CHECKPOINT_USAGE, { args, options }, io);
  if (!cmd.ok) return cmd.exit;
  const { values } = cmd.parsed;
  const api = apiClientFrom(values, io);
  if (!api.ok) return briefUsageError(io, "audit checkpoint", api.message);
  return reportingFailures(io, async () => {
    const text = `${JSON.stringify(await api.client.json("GET", "/v1/audit/checkpoint", AuditCheckpoint), null, 2)}\n`;
    if (values.out === undefined) io.out(text.trimEnd());
    else await writeFile(resolve(io.cwd, values.out), text);
    return EXIT_OK;
  });
}

export async function runAuditVerify(args: string[], io: CliIo): Promise<number> {
  const options = { file: { type: "string" }, checkpoint: { type: "string" }, "public-key": { type: "string" }, help: { type: "boolean", short: "h" }, ...API_OPTIONS } as const;
  const cmd = parseCommandLine("audit verify", VERIFY_USAGE, { args, options }, io);
  if (!cmd.ok) return cmd.exit;
  const { values } = cmd.parsed;
  if (values.file === undefined) return usageError(io, "audit verify", VERIFY_USAGE, "give --file EXPORT");
  const keyText = values["public-key"] ?? io.env.KEEL_AUDIT_PUBLIC_KEY;
  const pinned = keyText === undefined || keyText.trim() === "" ? undefined : readPublicKey(keyText, io.cwd);
  if (pinned && !pinned.ok) return usageError(io, "audit verify", VERIFY_USAGE, `--public-key ${pinned.message}`);
  const api = values.checkpoint === undefined ? apiClientFrom(values, io) : undefined;
  if (api && !api.ok) return briefUsageError(io, "audit verify", `${api.message} (or pass --checkpoint FILE)`);

  let lines: ParsedLine[];
  let checkpoint: AuditCheckpoint;
  try {
    lines = parseAuditExport(await readFile(resolve(io.cwd, values.file), "utf8"));
    if (values.checkpoint !== undefined) {
      const parsed = AuditCheckpoint.safeParse(JSON.parse(await readFile(resolve(io.cwd, values.checkpoint), "utf8")));
      if (!parsed.success) throw new Error(`${values.checkpoint} is not a checkpoint: ${parsed.error.issues[0]?.path.join(".") ?? ""} ${parsed.error.issues[0]?.message ?? ""}`);
      checkpoint = parsed.data;
    } else {
      const last = Math.max(0, ...lines.flatMap((l) => (l.ok ? [l.entry.seq] : [])));
      if (!api?.ok) return EXIT_USAGE;
      checkpoint = await api.client.json("GET", "/v1/audit/checkpoint", AuditCheckpoint, { query: { seq: last > 0 ? last : undefined } });
    }
  } catch (err) {
    printFailure(io, err);
    return EXIT_FAILED;
  }

  const publicKey = pinned?.ok ? pinned.key : Buffer.from(checkpoint.publicKey, "base64");
  if (!pinned) {
    io.err("WARNING: no pinned public key (--public-key or KEEL_AUDIT_PUBLIC_KEY): the signature is checked with the key the checkpoint itself names,");
    io.err("WARNING: so this proves nothing against whoever produced the checkpoint. Pin the key from GET /v1/audit/public-key, fetched once and kept.");
  } else if (keyFingerprint(publicKey) !== checkpoint.publicKey) {
    io.err(`note: the checkpoint names key ${checkpoint.publicKey}; checking with the pinned key ${keyFingerprint(publicKey)}`);
  }
  const verdict = await verifyAuditExport(lines, checkpoint, publicKey);
  if (!verdict.ok) {
    io.err(`NOT VERIFIED: ${verdict.problem}`);
    return EXIT_FAILED;
  }
  io.out(`ok: ${verdict.entries} entries (seq ${verdict.first}..${verdict.last}), every hash and link intact`);
  io.out(`ok: checkpoint seq ${checkpoint.seq} signed ${new Date(checkpoint.at).toISOString()} verifies${pinned ? " with the pinned key" : ""} and is in the export`);
  if (verdict.afterCheckpoint > 0) io.err(`note: ${verdict.afterCheckpoint} entries after seq ${checkpoint.seq} are newer than the checkpoint: no signature covers them yet`);
  return EXIT_OK;
}
