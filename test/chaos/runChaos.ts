// Runs chaos sequences as a fast-check property; shared by the CI test and `npm run chaos`.
import fc from "fast-check";
import { type ChaosStats, InvariantViolation } from "./invariants.ts";
import type { Mutant } from "./keel.ts";
import { applyStep, type Step, stepArb } from "./steps.ts";
import { ChaosWorld, MIN_SENDS, TOP_UP_FLOW_UNITS } from "./world.ts";

/** Workload steps added (faults still in force) when a sequence has fewer than MIN_SENDS sends. */
const EXTRA_WORK_STEPS = 6;

export interface ChaosRunOptions {
  readonly sequences: number;
  readonly stepsPerSequence: number;
  readonly seed?: number;
  /** fast-check replay path of a failing case (with its seed). */
  readonly path?: string;
  /** Stop starting new sequences after this long (the figures then cover the sequences done). */
  readonly maxMs?: number;
  /** Record broken invariants and go on (the long run's census) instead of stopping at the first one. */
  readonly keepGoing?: boolean;
  /** A seeded mutant swapped into the daemon (the run should then report a violation). */
  readonly mutant?: Mutant;
  /** Fixed step lists instead of random ones (one sequence each). */
  readonly scripted?: readonly (readonly Step[])[];
  /** Keeper sends each sequence is topped up to (bounded extra workload); default MIN_SENDS, 0 for none. */
  readonly minSends?: number;
  /** Called after each sequence (progress). */
  readonly onSequence?: (done: number, stats: ChaosStats) => void;
}

export interface ChaosRunResult {
  readonly stats: ChaosStats;
  readonly seed: number;
  readonly durationMs: number;
  /** False when the time bound stopped the run before `sequences` sequences. */
  readonly completed: boolean;
  /** With `keepGoing`: every broken invariant, with its sequence's replay command. */
  readonly violations: readonly { readonly message: string; readonly replay: string }[];
  /** Set when an invariant broke: the message, the failing steps and a one-line replay command. */
  readonly failure?: { readonly message: string; readonly steps: string; readonly replay: string };
}

function replayCommand(seed: number, path: string, steps: number): string {
  return `npm run chaos -- --seed=${seed} --path=${path} --sequences 1 --steps ${steps}`;
}

/** Runs `sequences` random sequences of `stepsPerSequence` steps against one devnet and the real daemon. */
export async function runChaos(opts: ChaosRunOptions): Promise<ChaosRunResult> {
  const started = performance.now();
  const seed = opts.seed ?? Math.floor(Math.random() * 0x7fffffff);
  const world = await ChaosWorld.start({ mutant: opts.mutant });
  const violations: { message: string; replay: string }[] = [];
  let done = 0;
  const minSends = opts.minSends ?? MIN_SENDS;
  const sequence = async (steps: readonly Step[]) => {
    const index = done;
    const broken: Error[] = [];
    try {
      await world.beginSequence();
      try {
        for (const step of steps) {
          await applyStep(world, step);
          await world.checkAfterStep();
        }
        // Faults still in force: more workload (bounded) until the sequence has its sends.
        for (let i = 0; i < EXTRA_WORK_STEPS && world.sequenceSends < minSends; i++) {
          await applyStep(world, { kind: "run", flow: TOP_UP_FLOW_UNITS, blocks: 2 });
          await world.checkAfterStep();
        }
      } catch (err) {
        broken.push(err as Error);
      }
      // Convergence and the end checks run after a violation too (the first violation is the one reported).
      try {
        await world.endSequence(minSends);
      } catch (err) {
        broken.push(err as Error);
      }
    } catch (err) {
      broken.push(err as Error);
    } finally {
      done += 1;
      opts.onSequence?.(done, world.stats);
    }
    const first = broken[0];
    if (!first) return;
    if (!(opts.keepGoing && broken.every((e) => e instanceof InvariantViolation))) throw first;
    for (const e of broken.filter((e, i) => broken.findIndex((x) => x.message === e.message) === i))
      violations.push({
        message: e.message,
        replay: opts.scripted
          ? `scripted sequence ${index}: ${JSON.stringify(steps)}`
          : replayCommand(seed, String(index), opts.stepsPerSequence),
      });
  };
  try {
    if (opts.scripted) {
      for (const steps of opts.scripted) await sequence(steps);
      return { violations, stats: world.stats, seed, durationMs: performance.now() - started, completed: true };
    }
    const property = fc.asyncProperty(
      fc.array(stepArb, { minLength: opts.stepsPerSequence, maxLength: opts.stepsPerSequence }),
      sequence,
    );
    const details = await fc.check(property, {
      numRuns: opts.sequences,
      seed,
      ...(opts.path ? { path: opts.path } : {}),
      endOnFailure: true,
      ...(opts.maxMs ? { interruptAfterTimeLimit: opts.maxMs, markInterruptAsFailure: false } : {}),
    });
    const result: ChaosRunResult = {
      violations,
      stats: world.stats,
      seed,
      durationMs: performance.now() - started,
      completed: !details.interrupted && world.stats.sequences >= opts.sequences,
    };
    if (!details.failed) return result;
    const err = details.errorInstance as Error | undefined;
    return {
      ...result,
      failure: {
        message: err?.message ?? String(details.errorInstance),
        steps: JSON.stringify(details.counterexample?.[0] ?? []),
        replay: replayCommand(details.seed, details.counterexamplePath ?? "", opts.stepsPerSequence),
      },
    };
  } finally {
    await world.close();
  }
}

/** The one-line summary: steps, sends, faults by kind, invariant checks by kind, violations. */
export function summaryLine(r: ChaosRunResult): string {
  const s = r.stats;
  const checks = Object.values(s.checksPassed).reduce((a, b) => a + b, 0);
  const violations = r.violations.length + (r.failure ? 1 : 0);
  return (
    `chaos: seed ${r.seed}, ${s.sequences} sequences, ${s.steps} steps, ${s.sends} keeper sends ` +
    `(per sequence ${s.sendsPerSequence.join("/")}; ${s.sendsUnderFaults} under faults; ${s.keeperTxsMined} mined), daemon starts ${s.daemonStarts}, ` +
    `faults ${JSON.stringify(s.faultsInjected)}, invariant checks ${checks} ${JSON.stringify(s.checksPassed)}, ` +
    `violations ${violations}, observations ${JSON.stringify(s.observations)}, ${Math.round(r.durationMs / 1000)} s`
  );
}
