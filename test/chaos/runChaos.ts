// Runs chaos sequences as a fast-check property; shared by the CI test and `npm run chaos`.
import fc from "fast-check";
import type { ChaosStats } from "./config.ts";
import { InvariantViolation } from "./invariants.ts";
import { applyStep, type Step, stepArb } from "./steps.ts";
import { ChaosWorld } from "./world.ts";

export interface ChaosRunOptions {
  readonly sequences: number;
  readonly stepsPerSequence: number;
  readonly seed?: number;
  /** fast-check replay path of a failing case (with its seed). */
  readonly path?: string;
  /** Stop starting new sequences after this long (the figures then cover the sequences done). */
  readonly maxMs?: number;
  /**
   * Record broken invariants and go on (the long run's census) instead of stopping at the first one.
   * Each violation keeps the replay path of its sequence.
   */
  readonly keepGoing?: boolean;
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

/** The one-line command that replays one sequence of a run. */
function replayCommand(seed: number, path: string, steps: number): string {
  return `npm run chaos -- --seed=${seed} --path=${path} --sequences 1 --steps ${steps}`;
}

/** Runs `sequences` random sequences of `stepsPerSequence` steps against one devnet, checking invariants after every step. */
export async function runChaos(opts: ChaosRunOptions): Promise<ChaosRunResult> {
  const started = performance.now();
  const seed = opts.seed ?? Math.floor(Math.random() * 0x7fffffff);
  const world = await ChaosWorld.start();
  const violations: { message: string; replay: string }[] = [];
  let done = 0;
  try {
    const property = fc.asyncProperty(
      fc.array(stepArb, { minLength: opts.stepsPerSequence, maxLength: opts.stepsPerSequence }),
      async (steps: Step[]) => {
        const index = done;
        await world.beginSequence();
        try {
          for (const step of steps) {
            await applyStep(world, step);
            await world.checkAfterStep();
          }
        } catch (err) {
          if (!(opts.keepGoing && err instanceof InvariantViolation)) throw err;
          violations.push({ message: err.message, replay: replayCommand(seed, String(index), opts.stepsPerSequence) });
        } finally {
          await world.endSequence();
          done += 1;
          opts.onSequence?.(done, world.stats);
        }
      },
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
    const replay = replayCommand(details.seed, details.counterexamplePath ?? "", opts.stepsPerSequence);
    return {
      ...result,
      failure: {
        message: err?.message ?? String(details.errorInstance),
        steps: JSON.stringify(details.counterexample?.[0] ?? []),
        replay,
      },
    };
  } finally {
    await world.close();
  }
}
