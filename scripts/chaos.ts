// `npm run chaos`: the long chaos run (default 1 000 sequences × 30 steps). Prints the figures as JSON on
// stdout, progress on stderr, and on a broken invariant the failing steps and a one-line replay command.
//   npm run chaos -- [--sequences N] [--steps N] [--seed S] [--path P] [--max-minutes M] [--keep-going]
// --keep-going records every broken invariant (with its replay command) and runs on; exit 1 if any broke.
import { parseArgs } from "node:util";
import { runChaos } from "../test/chaos/runChaos.ts";

const { values } = parseArgs({
  options: {
    sequences: { type: "string", default: "1000" },
    steps: { type: "string", default: "30" },
    seed: { type: "string" },
    path: { type: "string" },
    "max-minutes": { type: "string" },
    "keep-going": { type: "boolean", default: false },
  },
});
const sequences = Number(values.sequences);
const steps = Number(values.steps);
const tty = process.stderr.isTTY;
const result = await runChaos({
  sequences,
  stepsPerSequence: steps,
  ...(values.seed !== undefined ? { seed: Number(values.seed) } : {}),
  ...(values.path !== undefined ? { path: values.path } : {}),
  keepGoing: values["keep-going"] === true,
  ...(values["max-minutes"] !== undefined ? { maxMs: Number(values["max-minutes"]) * 60_000 } : {}),
  onSequence: (done, stats) => {
    if (tty) process.stderr.write(`\rchaos: ${done}/${sequences} sequences, ${stats.steps} steps`);
    else if (done % 10 === 0) process.stderr.write(`chaos: ${done}/${sequences} sequences, ${stats.steps} steps\n`);
  },
});
if (tty) process.stderr.write("\n");
const s = result.stats;
const checks = Object.values(s.checksPassed).reduce((a, b) => a + b, 0);
process.stdout.write(
  `${JSON.stringify(
    {
      seed: result.seed,
      completed: result.completed,
      sequences: s.sequences,
      steps: s.steps,
      durationSeconds: Math.round(result.durationMs / 100) / 10,
      faultsInjected: s.faultsInjected,
      invariantChecksPassed: checks,
      checksPassedByInvariant: s.checksPassed,
      stepsByKind: s.stepsByKind,
      msByKind: s.msByKind,
      tickOutcomes: s.tickOutcomes,
      daemonStarts: s.daemonStarts,
      startsRefused: s.startsRefused,
      keeperTransactions: s.sends,
      startRefusedExamples: s.startRefusedExamples,
      violations: result.violations,
      failure: result.failure ?? null,
    },
    null,
    2,
  )}\n`,
);
for (const v of result.violations) process.stderr.write(`chaos: INVARIANT BROKEN: ${v.message}\nreplay: ${v.replay}\n`);
if (result.violations.length > 0 && !result.failure) process.exit(1);
if (result.failure) {
  process.stderr.write(`chaos: INVARIANT BROKEN: ${result.failure.message}\nreplay: ${result.failure.replay}\n`);
  process.exit(1);
}
