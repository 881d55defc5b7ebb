// Lists the mutants a mutation run did not kill (survived or not covered), as Markdown for
// docs/mutation.md: one table per module of stryker.config.mjs, one row per mutant.
// Usage: node scripts/mutation-survivors.ts [report.json] (default reports/mutation/mutation.json).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MODULES } from "../stryker.config.mjs";

interface Mutant {
  readonly status: string;
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly location: { readonly start: { readonly line: number; readonly column: number } };
}
interface Report {
  readonly files: Record<string, { readonly source: string; readonly mutants: readonly Mutant[] }>;
}

const root = join(new URL(".", import.meta.url).pathname, "..");
const path = process.argv[2] ?? join(root, "reports/mutation/mutation.json");
const report = JSON.parse(readFileSync(path, "utf8")) as Report;
/** Markdown table cells: one line, pipes escaped, long code cut. */
const cell = (s: string) => {
  const one = s.replace(/\s+/g, " ").trim().replace(/\|/g, "\\|");
  const cut = one.length > 70 ? `${one.slice(0, 67)}…` : one;
  return cut.includes("`") ? `\`\` ${cut} \`\`` : `\`${cut}\``;
};

const out: string[] = [];
for (const [name, patterns] of Object.entries(MODULES)) {
  const rows: string[] = [];
  for (const file of patterns.map((p) => p.replace(/:\d+-\d+$/, ""))) {
    const f = report.files[file];
    if (!f) continue;
    const lines = f.source.split("\n");
    const left = f.mutants
      .filter((m) => m.status === "Survived" || m.status === "NoCoverage")
      .sort(
        (a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column,
      );
    for (const m of left) {
      const { line, column } = m.location.start;
      const code = cell(lines[line - 1] ?? "");
      rows.push(
        `| ${file}:${line}:${column} | ${m.status} | ${m.mutatorName} | ${code} | ${cell(m.replacement ?? "")} |`,
      );
    }
  }
  out.push(`#### ${name} (${rows.length})`, "");
  if (rows.length === 0) out.push("None.", "");
  else out.push("| where | status | mutator | line | replacement |", "|---|---|---|---|---|", ...rows, "");
}
process.stdout.write(`${out.join("\n")}`);
