// Mutation score of the code that moves money (StrykerJS over the unit tests; stryker.config.mjs):
// runs `stryker run` (1–3 min on 2 cores) and prints one JSON line per module, then the total:
// {"bench":"mutation.<module>","value":<score %>,"unit":"%","killed":…,"survived":…,"noCoverage":…}.
// KEEL_BENCH_MUTATION=skip skips it; KEEL_BENCH_MUTATION_REPORT=<path> reads the JSON report of an
// earlier `npm run mutation` instead of running Stryker. Survivors and what was done: docs/mutation.md.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MODULES } from "../stryker.config.mjs";

interface Mutant {
  readonly status: string;
}
interface Report {
  readonly files: Record<string, { readonly mutants: readonly Mutant[] }>;
}

const root = join(new URL(".", import.meta.url).pathname, "..");
const REPORT = join(root, "reports/mutation/mutation.json");

/** Counts by status and the score Stryker reports: detected / (detected + undetected), errors left out. */
function figures(mutants: readonly Mutant[]) {
  const n = (...s: string[]) => mutants.filter((m) => s.includes(m.status)).length;
  const killed = n("Killed");
  const timeout = n("Timeout");
  const survived = n("Survived");
  const noCoverage = n("NoCoverage");
  const valid = killed + timeout + survived + noCoverage;
  const score = valid === 0 ? 0 : ((killed + timeout) / valid) * 100;
  return { score, killed, timeout, survived, noCoverage, errors: n("CompileError", "RuntimeError"), mutants: valid };
}

function line(name: string, mutants: readonly Mutant[], extra: Record<string, unknown> = {}): void {
  const { score, ...counts } = figures(mutants);
  const out = { bench: `mutation.${name}`, value: Number(score.toFixed(2)), unit: "%", ...counts, ...extra };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

if (process.env.KEEL_BENCH_MUTATION === "skip") {
  process.stderr.write("bench: mutation skipped (KEEL_BENCH_MUTATION=skip)\n");
  process.exit(0);
}
const given = process.env.KEEL_BENCH_MUTATION_REPORT;
let seconds: number | undefined;
if (!given) {
  const t0 = performance.now();
  const stryker = join(root, "node_modules/@stryker-mutator/core/bin/stryker.js");
  const r = spawnSync(process.execPath, [stryker, "run", "--reporters", "json"], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (r.status !== 0) throw new Error(`stryker run exited ${r.status ?? r.signal}`);
  seconds = (performance.now() - t0) / 1000;
}
const report = JSON.parse(readFileSync(given ?? REPORT, "utf8")) as Report;
const all: Mutant[] = [];
for (const [name, patterns] of Object.entries(MODULES)) {
  const files = patterns.map((p) => p.replace(/:\d+-\d+$/, ""));
  const mutants = files.flatMap((f) => report.files[f]?.mutants ?? []);
  all.push(...mutants);
  line(name, mutants, { files: files.length });
}
line("total", all, seconds === undefined ? { report: given } : { seconds: Number(seconds.toFixed(1)) });
