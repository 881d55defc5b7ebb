// The invariant run's random actions: depositors, JIT pairs, keeper / manager / sentinel moves, market and oracle
// faults, kill-switch and governance changes.
import fc from "fast-check";
import { USDC } from "./keel.ts";

type Who = 0 | 1;
/** One step of a random sequence. */
export type Action =
  | { k: "deposit"; who: Who; amount: bigint }
  | { k: "withdraw" | "redeem" | "idleWithdraw" | "lossyWithdraw"; who: Who; pct: number }
  | { k: "jit"; amount: bigint; withGain: boolean }
  | { k: "rebalance"; by: "keeper" | "manager" | "sentinel"; moves: { i: number; deposit: boolean; bps: number }[] }
  | { k: "yield"; i: number; amount: bigint }
  | { k: "loss"; i: number; bps: number }
  | { k: "report"; i: number }
  | { k: "feed"; which: "base" | "other"; mode: "move" | "stale" | "nonPositive" | "revert" | "restore"; bps: number }
  | { k: "targetPause"; i: number; on: boolean }
  | { k: "swap"; bps: number }
  | { k: "borrow"; amount: bigint }
  | { k: "pause" }
  | { k: "unpause" }
  | { k: "shutdown" }
  | { k: "forceRemove"; i: number }
  | { k: "emergencyExit"; i: number }
  | { k: "setBounds"; maxMoveBps: bigint; maxLossBps: bigint; minIdleBps: bigint; maxRebalancesPerDay: bigint }
  | { k: "setBudgets"; maxDailyLossBps: bigint; maxDailyFlowBps: bigint }
  | { k: "setCaps"; i: number; relativeCapBps: bigint; maxInflow: bigint }
  | { k: "time"; seconds: number };

const who = fc.constantFrom(0 as const, 1 as const);
const pct = fc.integer({ min: 1, max: 100 });
const adapter = fc.integer({ min: 0, max: 3 });
const target = fc.integer({ min: 0, max: 1 });
const rec = <T>(k: string, fields: Record<string, fc.Arbitrary<unknown>>) =>
  fc.record({ k: fc.constant(k), ...fields }) as unknown as fc.Arbitrary<T>;
const w = (weight: number, arbitrary: fc.Arbitrary<Action>) => ({ weight, arbitrary });
const moves = fc.array(fc.record({ i: adapter, deposit: fc.boolean(), bps: fc.integer({ min: 1, max: 10_000 }) }), {
  minLength: 1,
  maxLength: 3,
});
const withdrawals = fc.array(
  fc.record({ i: adapter, deposit: fc.constant(false), bps: fc.integer({ min: 1, max: 10_000 }) }),
  { minLength: 1, maxLength: 2 },
);

/** One random action, weighted towards what users and the keeper do most. */
export const actionArb: fc.Arbitrary<Action> = fc.oneof(
  w(4, rec("deposit", { who, amount: fc.bigInt({ min: 1n, max: 1_000_000n * USDC }) })),
  w(3, rec("withdraw", { who, pct })),
  w(2, rec("redeem", { who, pct })),
  w(2, rec("idleWithdraw", { who, pct })),
  w(2, rec("lossyWithdraw", { who, pct: fc.integer({ min: 50, max: 100 }) })),
  w(2, rec("jit", { amount: fc.bigInt({ min: 1_000n * USDC, max: 4_000_000n * USDC }), withGain: fc.boolean() })),
  w(6, rec("rebalance", { by: fc.constant("keeper"), moves })),
  w(2, rec("rebalance", { by: fc.constant("manager"), moves })),
  w(1, rec("rebalance", { by: fc.constant("sentinel"), moves: withdrawals })),
  w(2, rec("yield", { i: target, amount: fc.bigInt({ min: 1n, max: 20_000n * USDC }) })),
  w(1, rec("loss", { i: target, bps: fc.integer({ min: 1, max: 3_000 }) })),
  w(2, rec("report", { i: adapter })),
  w(
    3,
    rec("feed", {
      which: fc.constantFrom("base", "other", "other"),
      mode: fc.constantFrom("move", "stale", "nonPositive", "revert", "restore", "restore"),
      bps: fc.integer({ min: -500, max: 500 }),
    }),
  ),
  w(1, rec("targetPause", { i: target, on: fc.boolean() })),
  w(2, rec("swap", { bps: fc.integer({ min: -150, max: 150 }) })),
  w(1, rec("borrow", { amount: fc.bigInt({ min: 1n, max: 500_000n * USDC }) })),
  w(1, fc.constant({ k: "pause" as const })),
  w(1, fc.constant({ k: "unpause" as const })),
  w(1, fc.constant({ k: "shutdown" as const })),
  w(1, rec("forceRemove", { i: adapter })),
  w(1, rec("emergencyExit", { i: adapter })),
  w(
    1,
    rec("setBounds", {
      maxMoveBps: fc.bigInt({ min: 500n, max: 10_000n }),
      maxLossBps: fc.bigInt({ min: 0n, max: 100n }),
      minIdleBps: fc.bigInt({ min: 0n, max: 3_000n }),
      maxRebalancesPerDay: fc.bigInt({ min: 1n, max: 32n }),
    }),
  ),
  w(
    1,
    rec("setBudgets", {
      maxDailyLossBps: fc.bigInt({ min: 0n, max: 50n }),
      maxDailyFlowBps: fc.bigInt({ min: 1_000n, max: 40_000n }),
    }),
  ),
  w(
    1,
    rec("setCaps", {
      i: adapter,
      relativeCapBps: fc.bigInt({ min: 0n, max: 10_000n }),
      maxInflow: fc.bigInt({ min: 0n, max: 2_000_000n * USDC }),
    }),
  ),
  w(3, rec("time", { seconds: fc.integer({ min: 1, max: 6 * 3_600 }) })),
);

/** Random action sequences. */
export const actionsArb = fc.array(actionArb, { minLength: 1, maxLength: 12 });
