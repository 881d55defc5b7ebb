// Keeps src/ readable in one sitting: no file over 300 lines, no function over 80 lines. Functions are found
// with the TypeScript compiler's parser (declarations, function expressions and arrow functions wherever they
// appear — assigned to a const, passed as a callback or written as an object property — methods, constructors
// and accessors), so a long function is caught however it is written. A function's lines run from its first
// token (leading comments and JSDoc not counted) to its closing brace; a nested function counts in its parent
// too. Only declarative tables may be exempted, one by one, in TABLES below.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** Most lines a source file under src/ may have. */
export const MAX_FILE_LINES = 300;
/** Most lines a function may span, from its first token to its closing brace. */
export const MAX_FUNCTION_LINES = 80;

/**
 * Declarative tables allowed past the limits: data laid out as data, not logic. Keys are paths relative to the
 * repository root; a file entry exempts the file's length, a `path#name` entry exempts one function. Keep it small;
 * every entry says why it is a table.
 */
export const TABLES: ReadonlyMap<string, string> = new Map<string, string>([
  ["src/observability/metrics.ts#createMetrics", "the metric definitions: one constructor per metric, no logic"],
  ["src/adapters/ethers/abi/generated.ts", "the contracts' ABIs as const data, written by scripts/gen-abis.ts"],
]);

/** Number of lines of a text as `wc -l` counts them, plus a last line without a newline. */
function lineCount(text: string): number {
  if (text.length === 0) return 0;
  const newlines = text.split("\n").length - 1;
  return text.endsWith("\n") ? newlines : newlines + 1;
}

/** The name a function is known by: its own, the const, property or method it is assigned to, else "<anonymous>". */
function nameOf(node: ts.FunctionLikeDeclaration, source: ts.SourceFile): string {
  if (ts.isConstructorDeclaration(node)) return "constructor";
  if (node.name) return node.name.getText(source);
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) {
    return parent.name.getText(source);
  }
  return "<anonymous>";
}

function isFunction(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node)
  );
}

/**
 * Size problems of one source file given as text (pure: no file system). `path` names the file in messages and in
 * `tables` lookups. Each problem reads `path: N lines (max M)` or `path:LINE: function NAME is N lines (max M)`.
 */
export function sizeProblems(path: string, text: string, tables: ReadonlyMap<string, string> = TABLES): string[] {
  const problems: string[] = [];
  const lines = lineCount(text);
  if (lines > MAX_FILE_LINES && !tables.has(path)) {
    problems.push(`${path}: ${lines} lines (max ${MAX_FILE_LINES})`);
  }
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const visit = (node: ts.Node): void => {
    if (isFunction(node) && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const span = last - first + 1;
      const name = nameOf(node, source);
      if (span > MAX_FUNCTION_LINES && !tables.has(`${path}#${name}`)) {
        problems.push(`${path}:${first + 1}: function ${name} is ${span} lines (max ${MAX_FUNCTION_LINES})`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return problems;
}

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (p.endsWith(".ts")) yield p;
  }
}

/** Size problems of every .ts file under `dir` (empty = clean); paths are relative to the working directory. */
export function treeSizeProblems(dir: string, tables: ReadonlyMap<string, string> = TABLES): string[] {
  return [...files(dir)].flatMap((file) => sizeProblems(relative(".", file), readFileSync(file, "utf8"), tables));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const problems = treeSizeProblems("src");
  if (problems.length > 0) {
    process.stderr.write(`${problems.join("\n")}\n`);
    process.exit(1);
  }
  process.stdout.write(
    `sizes ok: no file under src/ over ${MAX_FILE_LINES} lines, no function over ${MAX_FUNCTION_LINES} lines (${TABLES.size} tables exempt)\n`,
  );
}
