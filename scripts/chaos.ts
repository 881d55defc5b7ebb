// `npm run chaos`: the long chaos run of the real `keel run` process (default 20 sequences × 30 steps, each
// sequence a minute or two of wall time: the chain mines on an interval). Prints the summary line and the
// figures as JSON on stdout, progress on stderr, and on a broken invariant the failing steps and a replay command.
//   npm run chaos -- [--sequences N] [--steps N] [--seed S] [--path P] [--max-minutes M] [--keep-going] [--mutant M]
// --keep-going records every broken invariant (with its replay command) and runs on; exit 1 if any broke.
// --mutant swaps a seeded mutant into the daemon (test/chaos/mutants): the run should then report violations.
import { parseArgs } from "node:util";
import { MUTANTS, type Mutant } from "../test/chaos/keel.ts";
import { runChaos, summaryLine } from "../test/chaos/runChaos.ts";

const { values } = parseArgs({
  options: {
    sequences: { type: "string", default: "20" },
    steps: { type: "string", default: "30" },
    seed: { type: "string" },
    path: { type: "string" },
    "max-minutes": { type: "string" },
    "keep-going": { type: "boolean", default: false },
    mutant: { type: "string" },
  },
});
if (values.mutant !== undefined && !MUTANTS.includes(values.mutant as Mutant)) {
  process.stderr.write(`chaos: unknown mutant ${values.mutant} (known: ${MUTANTS.join(", ")})\n`);
  process.exit(2);
}
const sequences = Number(values.sequences);
const steps = Number(values.steps);
const tty = process.stderr.isTTY;
const result = await runChaos({
  sequences,
  stepsPerSequence: steps,
  ...(values.seed !== undefined ? { seed: Number(values.seed) } : {}),
  ...(values.path !== undefined ? { path: values.path } : {}),
  keepGoing: values["keep-going"] === true,
  ...(values.mutant !== undefined ? { mutant: values.mutant as Mutant } : {}),
  ...(values["max-minutes"] !== undefined ? { maxMs: Number(values["max-minutes"]) * 60_000 } : {}),
  onSequence: (done, stats) => {
    if (tty) process.stderr.write(`\rchaos: ${done}/${sequences} sequences, ${stats.steps} steps`);
    else if (done % 10 === 0) process.stderr.write(`chaos: ${done}/${sequences} sequences, ${stats.steps} steps\n`);
  },
});
if (tty) process.stderr.write("\n");
const s = result.stats;
const checks = Object.values(s.checksPassed).reduce((a, b) => a + b, 0);
process.stdout.write(`${summaryLine(result)}\n`);
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
      daemonStarts: s.daemonStarts,
      startsRefused: s.startsRefused,
      gracefulStopFailures: s.gracefulStopFailures,
      keeperSends: s.sends,
      keeperSendsUnderFaults: s.sendsUnderFaults,
      keeperSendsPerSequence: s.sendsPerSequence,
      keeperSendsByEndpoint: s.sendsByEndpoint,
      keeperTxsMined: s.keeperTxsMined,
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
