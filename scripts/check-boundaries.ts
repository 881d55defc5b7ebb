// Keeps src/pipeline, src/domain and src/execution pure: no ethers, onnxruntime, lowdb, sqlite, fs or process —
// not even through a dynamic import or the `process` global (which an import rule cannot see). And keeps the
// folders under src/ layered: no two of them import each other both ways.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** Folders under src/ that do no I/O (the backtester runs them as they are). */
export const PURE_ROOTS = ["pipeline", "domain", "execution"] as const;
const forbiddenModules =
  /^(ethers|onnxruntime-node|onnxruntime-common|lowdb(\/.*)?|node:sqlite|(node:)?fs(\/promises)?|(node:)?process)$/;
const importRe =
  /(?:^|[^\w.])(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|^import\s*["']([^"']+)["']/g;
const processGlobal = /(?<![\w.])process\.(env|exit|argv|on|cwd|stdout|stderr|pid|kill|hrtime|memoryUsage)\b/;

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (p.endsWith(".ts")) yield p;
  }
}

/** The top-level folder under `src` a path is in; undefined for files directly in `src`. */
function folderOf(src: string, path: string): string | undefined {
  const parts = relative(src, path).split(sep);
  return parts.length > 1 && parts[0] !== ".." ? parts[0] : undefined;
}

/** Every import of every file under `src`: file, line and module specifier. */
function* imports(src: string): Generator<{ file: string; line: number; mod: string; text: string }> {
  for (const file of files(src)) {
    const lines = readFileSync(file, "utf8").split("\n");
    for (const [i, text] of lines.entries()) {
      for (const m of text.matchAll(importRe)) yield { file, line: i + 1, mod: m[1] ?? m[2] ?? m[3] ?? "", text };
    }
  }
}

/** Imports of I/O (and of the process global) in the pure folders. */
function purityProblems(src: string): string[] {
  const problems: string[] = [];
  for (const root of PURE_ROOTS) {
    const dir = join(src, root);
    try {
      statSync(dir);
    } catch {
      continue;
    }
    for (const { file, line, mod } of imports(dir)) {
      if (forbiddenModules.test(mod) || /\/(adapters|runtime|observability|cli|devnet)\//.test(mod)) {
        problems.push(`${relative(".", file)}:${line}: imports "${mod}" (${PURE_ROOTS.join("/, ")}/ use ports)`);
      }
    }
    for (const file of files(dir)) {
      readFileSync(file, "utf8")
        .split("\n")
        .forEach((text, i) => {
          const t = text.trimStart();
          if (processGlobal.test(text) && !t.startsWith("//") && !t.startsWith("*")) {
            problems.push(
              `${relative(".", file)}:${i + 1}: uses the process global (${PURE_ROOTS.join("/, ")}/ use ports)`,
            );
          }
        });
    }
  }
  return problems;
}

/** Pairs of folders under `src` that import each other both ways, each with one example import per way. */
function cycleProblems(src: string): string[] {
  const edges = new Map<string, string>();
  for (const { file, line, mod } of imports(src)) {
    if (!mod.startsWith(".")) continue;
    const from = folderOf(src, file);
    const to = folderOf(src, resolve(dirname(file), mod));
    if (from && to && from !== to && !edges.has(`${from}>${to}`)) {
      edges.set(`${from}>${to}`, `${relative(".", file)}:${line} imports "${mod}"`);
    }
  }
  const problems: string[] = [];
  for (const [key, example] of edges) {
    const [a, b] = key.split(">") as [string, string];
    const back = edges.get(`${b}>${a}`);
    if (a < b && back) problems.push(`src/${a} and src/${b} import each other: ${example}; ${back}`);
  }
  return problems;
}

/** Every boundary problem under `src` (empty = clean). */
export function boundaryProblems(src: string): string[] {
  return [...purityProblems(src), ...cycleProblems(src)];
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const problems = boundaryProblems("src");
  if (problems.length > 0) {
    process.stderr.write(`${problems.join("\n")}\n`);
    process.exit(1);
  }
  process.stdout.write(
    `boundaries ok: src/${PURE_ROOTS.join(", src/")} import no I/O; no two folders under src/ import each other\n`,
  );
}
