// Runs chaos sequences as a fast-check property; shared by the CI test and `npm run chaos`.
import fc from "fast-check";
import type { ChaosStats } from "./config.ts";
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
  /** Called after each sequence (progress). */
  readonly onSequence?: (done: number, stats: ChaosStats) => void;
}

export interface ChaosRunResult {
  readonly stats: ChaosStats;
  readonly seed: number;
  readonly durationMs: number;
  /** False when the time bound stopped the run before `sequences` sequences. */
  readonly completed: boolean;
  /** Set when an invariant broke: the message, the failing steps and a one-line replay command. */
  readonly failure?: { readonly message: string; readonly steps: string; readonly replay: string };
}

/** Runs `sequences` random sequences of `stepsPerSequence` steps against one devnet, checking invariants after every step. */
export async function runChaos(opts: ChaosRunOptions): Promise<ChaosRunResult> {
  const started = performance.now();
  const seed = opts.seed ?? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
  const world = await ChaosWorld.start();
  let done = 0;
  try {
    const property = fc.asyncProperty(
      fc.array(stepArb, { minLength: opts.stepsPerSequence, maxLength: opts.stepsPerSequence }),
      async (steps: Step[]) => {
        await world.beginSequence();
        try {
          for (const step of steps) {
            await applyStep(world, step);
            await world.checkAfterStep();
          }
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
      stats: world.stats,
      seed,
      durationMs: performance.now() - started,
      completed: !details.interrupted && world.stats.sequences >= opts.sequences,
    };
    if (!details.failed) return result;
    const err = details.errorInstance as Error | undefined;
    const replay = `npm run chaos -- --seed ${details.seed} --path ${details.counterexamplePath ?? ""} --sequences 1 --steps ${opts.stepsPerSequence}`;
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
