// Keeps src/pipeline and src/domain pure: no ethers, onnxruntime, lowdb, sqlite, fs or process — not even
// through a dynamic import or the `process` global (which an import rule cannot see).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const roots = ["src/pipeline", "src/domain"];
const forbiddenModules =
  /^(ethers|onnxruntime-node|onnxruntime-common|lowdb(\/.*)?|node:sqlite|(node:)?fs(\/promises)?|(node:)?process)$/;
const importRe = /(?:^|[^\w.])(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
const processGlobal = /(?<![\w.])process\.(env|exit|argv|on|cwd|stdout|stderr|pid|kill|hrtime|memoryUsage)\b/;

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (p.endsWith(".ts")) yield p;
  }
}

const problems: string[] = [];
for (const root of roots) {
  for (const file of files(root)) {
    const lines = readFileSync(file, "utf8").split("\n");
    lines.forEach((line, i) => {
      for (const m of line.matchAll(importRe)) {
        const mod = m[1] ?? m[2] ?? "";
        if (forbiddenModules.test(mod) || /\/(adapters|runtime|observability|cli|devnet)\//.test(mod)) {
          problems.push(`${relative(".", file)}:${i + 1}: imports "${mod}" (pipeline/ and domain/ use ports)`);
        }
      }
      if (processGlobal.test(line) && !line.trimStart().startsWith("//") && !line.trimStart().startsWith("*")) {
        problems.push(`${relative(".", file)}:${i + 1}: uses the process global (pipeline/ and domain/ use ports)`);
      }
    });
  }
}
if (problems.length > 0) {
  process.stderr.write(`${problems.join("\n")}\n`);
  process.exit(1);
}
process.stdout.write(`boundaries ok: ${roots.join(", ")} import no I/O\n`);
