import { z } from "zod";
import { AuditEntryView } from "./audit-api";

/**
 * The two export formats of `GET /v1/audit?format=`, written by the Worker
 * and read back by `keel audit verify`. Each line carries every field the
 * chain hash covers plus prevHash and hash, so an export can be checked
 * offline; `time` is `at` for people and is not hashed.
 */

export const AUDIT_CSV_COLUMNS = ["seq", "time", "at", "actor", "action", "cluster", "target", "outcome", "details", "prevHash", "hash"] as const;

export const AuditExportEntry = AuditEntryView.extend({ time: z.string() });
export type AuditExportEntry = z.infer<typeof AuditExportEntry>;

export function toExportEntry(entry: AuditEntryView): AuditExportEntry {
  return { seq: entry.seq, time: new Date(entry.at).toISOString(), at: entry.at, actor: entry.actor, action: entry.action, cluster: entry.cluster, target: entry.target, outcome: entry.outcome, details: entry.details, prevHash: entry.prevHash, hash: entry.hash };
}

export function ndjsonLine(entry: AuditEntryView): string {
  return `${JSON.stringify(toExportEntry(entry))}\n`;
}

export function csvHeader(): string {
  return `${AUDIT_CSV_COLUMNS.join(",")}\r\n`;
}

/**
 * RFC 4180: every text field is quoted (doubling quotes inside), so commas,
 * quotes and newlines in it stay in it. An empty unquoted field is null; a
 * quoted empty one is "". Values are written exactly as hashed (no `'`
 * before a leading `=`), so a spreadsheet may still read one as a formula:
 * open exports as text.
 */
export function csvRow(entry: AuditEntryView): string {
  const e = toExportEntry(entry);
  const text = (v: string | null) => (v === null ? "" : `"${v.replace(/"/g, '""')}"`);
  const cells = [String(e.seq), text(e.time), String(e.at), text(e.actor), text(e.action), text(e.cluster), text(e.target), text(e.outcome), text(e.details === null ? null : JSON.stringify(e.details)), text(e.prevHash), text(e.hash)];
  return `${cells.join(",")}\r\n`;
}

/** One line of an export as read back: the entry, or why the line is not one. */
export type ParsedLine = { line: number; ok: true; entry: AuditExportEntry } | { line: number; ok: false; error: string };

/** Reads an export in either format (CSV when the first line is the header). */
export function parseAuditExport(text: string): ParsedLine[] {
  return text.startsWith(`${AUDIT_CSV_COLUMNS[0]},${AUDIT_CSV_COLUMNS[1]},`) ? parseCsv(text) : parseNdjson(text);
}

function checked(line: number, value: unknown): ParsedLine {
  const parsed = AuditExportEntry.safeParse(value);
  if (parsed.success) return { line, ok: true, entry: parsed.data };
  const issue = parsed.error.issues[0];
  return { line, ok: false, error: `${issue?.path.join(".") || "entry"}: ${issue?.message ?? "is not an audit entry"}` };
}

function parseNdjson(text: string): ParsedLine[] {
  const out: ParsedLine[] = [];
  text.split("\n").forEach((raw, i) => {
    if (raw.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      out.push({ line: i + 1, ok: false, error: "is not JSON" });
      return;
    }
    out.push(checked(i + 1, value));
  });
  return out;
}

interface CsvCell {
  value: string;
  quoted: boolean;
}

function parseCsv(text: string): ParsedLine[] {
  const out: ParsedLine[] = [];
  const records = csvRecords(text);
  const header = records.shift();
  if (!header || header.cells.map((c) => c.value).join(",") !== AUDIT_CSV_COLUMNS.join(",")) return [{ line: 1, ok: false, error: `the header is not ${AUDIT_CSV_COLUMNS.join(",")}` }];
  for (const { line, cells } of records) {
    if (cells.length === 1 && cells[0]?.value === "" && !cells[0].quoted) continue;
    if (cells.length !== AUDIT_CSV_COLUMNS.length) {
      out.push({ line, ok: false, error: `has ${cells.length} fields, not ${AUDIT_CSV_COLUMNS.length}` });
      continue;
    }
    const field = (name: (typeof AUDIT_CSV_COLUMNS)[number]): CsvCell => cells[AUDIT_CSV_COLUMNS.indexOf(name)] ?? { value: "", quoted: false };
    const nullable = (name: (typeof AUDIT_CSV_COLUMNS)[number]) => (field(name).quoted ? field(name).value : null);
    const number = (name: (typeof AUDIT_CSV_COLUMNS)[number]) => (/^-?\d+$/.test(field(name).value) ? Number(field(name).value) : field(name).value);
    let details: unknown = null;
    const rawDetails = nullable("details");
    if (rawDetails !== null) {
      try {
        details = JSON.parse(rawDetails);
      } catch {
        out.push({ line, ok: false, error: "details: is not JSON" });
        continue;
      }
    }
    out.push(
      checked(line, {
        seq: number("seq"),
        time: field("time").value,
        at: number("at"),
        actor: field("actor").value,
        action: field("action").value,
        cluster: nullable("cluster"),
        target: nullable("target"),
        outcome: field("outcome").value,
        details,
        prevHash: field("prevHash").value,
        hash: field("hash").value,
      }),
    );
  }
  return out;
}

/** Splits CSV text into records of cells, keeping quoted newlines and noting which cells were quoted. */
function csvRecords(text: string): { line: number; cells: CsvCell[] }[] {
  const records: { line: number; cells: CsvCell[] }[] = [];
  let cells: CsvCell[] = [];
  let cell: CsvCell = { value: "", quoted: false };
  let line = 1;
  let recordLine = 1;
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '"' && text[i + 1] === '"') {
        cell.value += '"';
        i++;
      } else if (ch === '"') inQuotes = false;
      else {
        if (ch === "\n") line++;
        cell.value += ch;
      }
      continue;
    }
    if (ch === '"') {
      inQuotes = true;
      cell.quoted = true;
    } else if (ch === ",") {
      cells.push(cell);
      cell = { value: "", quoted: false };
    } else if (ch === "\n") {
      cells.push(cell);
      records.push({ line: recordLine, cells });
      cells = [];
      cell = { value: "", quoted: false };
      line++;
      recordLine = line;
    } else if (ch !== "\r") cell.value += ch;
  }
  if (cell.value !== "" || cell.quoted || cells.length > 0) {
    cells.push(cell);
    records.push({ line: recordLine, cells });
  }
  return records;
}
