import { createReadStream } from "node:fs";
import { basename } from "node:path";
import { createInterface } from "node:readline";
import { KeelError } from "../../domain/errors.ts";

/** One parsed data row: its fields by column name, and where it came from (for error messages). */
export interface CsvRow {
  readonly file: string;
  /** 1-based line number in the file (the header is line 1). */
  readonly line: number;
  readonly fields: readonly string[];
  readonly columns: readonly string[];
}

/** A bad row: names file, line and column (never the row's full content, which could be large). */
export function badRow(file: string, line: number, column: string, message: string): KeelError {
  return new KeelError("DATASET_BAD_ROW", `${basename(file)} line ${line}, column ${column}: ${message}`, {
    retryable: false,
    context: { file: basename(file), line, column },
  });
}

/**
 * Splits one CSV line (RFC 4180 quoting within the line; fields may not span lines). Returns
 * undefined when a quote is left open, so the caller can report it.
 */
export function splitCsvLine(line: string): string[] | undefined {
  if (!line.includes('"')) return line.split(",");
  const out: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      out.push(field);
      field = "";
    } else field += c;
  }
  if (quoted) return undefined;
  out.push(field);
  return out;
}

/**
 * Streams a CSV file row by row (memory stays flat for large files). Checks the header holds the
 * expected columns, in any order; `repair` may rewrite a line the strict parser would reject.
 */
export async function* streamCsv(
  file: string,
  expected: readonly string[],
  repair?: (line: string) => string[] | undefined,
): AsyncGenerator<{ line: number; get: (column: string) => string; fields: string[] }> {
  const input = createReadStream(file, { encoding: "utf8" });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNo = 0;
  let index: Map<string, number> | undefined;
  try {
    for await (const raw of lines) {
      lineNo++;
      const text = lineNo === 1 ? raw.replace(/^\uFEFF/, "") : raw;
      if (text.trim() === "") continue;
      if (index === undefined) {
        const header = text.split(",").map((h) => h.trim().toLowerCase());
        index = new Map(header.map((h, i) => [h, i]));
        for (const col of expected) {
          if (!index.has(col)) throw badRow(file, lineNo, col, `missing column in header "${text}"`);
        }
        continue;
      }
      const fields = repair?.(text) ?? splitCsvLine(text);
      if (fields === undefined) throw badRow(file, lineNo, "*", "unterminated quote");
      if (fields.length !== index.size) {
        throw badRow(file, lineNo, "*", `expected ${index.size} fields, found ${fields.length}`);
      }
      const cols = index;
      yield { line: lineNo, fields, get: (column: string) => (fields[cols.get(column) ?? -1] ?? "").trim() };
    }
  } catch (err) {
    if (err instanceof KeelError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new KeelError("DATASET_UNREADABLE", `cannot read ${basename(file)}: ${code ?? String(err)}`, {
      retryable: code === "EMFILE" || code === "EAGAIN",
      context: { file: basename(file) },
      cause: err,
    });
  } finally {
    lines.close();
    input.destroy();
  }
  if (index === undefined) throw badRow(file, 1, "*", "empty file (no header)");
}

/** Parses an ISO 8601 UTC timestamp (or a bare date) into unix seconds, or throws a bad-row error. */
export function parseTime(value: string, file: string, line: number, column: string): number {
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) {
    throw badRow(file, line, column, `not an ISO 8601 timestamp: "${value.slice(0, 40)}"`);
  }
  const withZone = /T|\s/.test(value) && !/(Z|[+-]\d{2}:?\d{2})$/.test(value) ? `${value}Z` : value;
  const ms = Date.parse(withZone.replace(" ", "T"));
  if (!Number.isFinite(ms)) throw badRow(file, line, column, `invalid date: "${value.slice(0, 40)}"`);
  return Math.floor(ms / 1000);
}

/** Parses a finite number (optionally requiring ≥ 0), or throws a bad-row error. */
export function parseNumber(value: string, file: string, line: number, column: string, nonNegative = false): number {
  const n = value === "" ? Number.NaN : Number(value);
  if (!Number.isFinite(n)) throw badRow(file, line, column, `not a number: "${value.slice(0, 40)}"`);
  if (nonNegative && n < 0) throw badRow(file, line, column, `negative value ${n}`);
  return n;
}
