import { expect } from "chai";
import type { TransactionReceipt } from "ethers";
import fc from "fast-check";
import { send } from "../../src/devnet/deploy/contract.ts";
import type { Accounts, TestChain } from "./chain.ts";
import { type CoreFixture, deployCore, intent, keelErrors, move, NO_COMMITMENT, USDC } from "./keel.ts";
import { revertData } from "./revert.ts";

/** Keeper bounds of the invariant fixture (loose enough that random keeper moves often pass). */
export const INVARIANT_BOUNDS = {
  maxMoveBps: 5_000n,
  maxLossBps: 50n,
  cooldownSeconds: 60n,
  maxRebalancesPerDay: 100n,
  minIdleBps: 1_000n,
  maxDeviationBps: 200n,
};
const CAP_BPS = 5_000n;
const BPS = 10_000n;
const VIRTUAL = 10n ** 6n; // 10^decimalsOffset
const BOUND_ERRORS = new Set([
  "MoveTooLarge",
  "LossTooHigh",
  "CooldownActive",
  "DailyLimitReached",
  "IdleBelowMinimum",
  "AdapterCapExceeded",
  "InsufficientLiquidity",
  "InsufficientIdle",
]);

/** One step of a random sequence. */
export type Action =
  | { k: "deposit"; who: 0 | 1; amount: bigint }
  | { k: "withdraw"; who: 0 | 1; pct: number }
  | { k: "redeem"; who: 0 | 1; pct: number }
  | { k: "rebalance"; moves: { i: number; deposit: boolean; bps: number }[] }
  | { k: "yield"; i: number; amount: bigint }
  | { k: "donate"; amount: bigint }
  | { k: "pause" }
  | { k: "unpause" }
  | { k: "loss"; i: number; bps: number }
  | { k: "illiquid"; i: number; amount: bigint | null }
  | { k: "time"; seconds: number };

const N = 3;
const amount = fc.bigInt({ min: 1n, max: 1_000_000n * USDC });
const idx = fc.integer({ min: 0, max: N - 1 });
/** Random action sequences. */
export const actionsArb = fc.array(
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        k: fc.constant("deposit" as const),
        who: fc.constantFrom(0 as const, 1 as const),
        amount,
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        k: fc.constant("withdraw" as const),
        who: fc.constantFrom(0 as const, 1 as const),
        pct: fc.integer({ min: 1, max: 100 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        k: fc.constant("redeem" as const),
        who: fc.constantFrom(0 as const, 1 as const),
        pct: fc.integer({ min: 1, max: 100 }),
      }),
    },
    {
      weight: 5,
      arbitrary: fc.record({
        k: fc.constant("rebalance" as const),
        moves: fc.array(fc.record({ i: idx, deposit: fc.boolean(), bps: fc.integer({ min: 1, max: 10_000 }) }), {
          minLength: 1,
          maxLength: 3,
        }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        k: fc.constant("yield" as const),
        i: idx,
        amount: fc.bigInt({ min: 1n, max: 10_000n * USDC }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ k: fc.constant("donate" as const), amount: fc.bigInt({ min: 1n, max: 10_000n * USDC }) }),
    },
    { weight: 1, arbitrary: fc.constant({ k: "pause" as const }) },
    { weight: 1, arbitrary: fc.constant({ k: "unpause" as const }) },
    {
      weight: 1,
      arbitrary: fc.record({ k: fc.constant("loss" as const), i: idx, bps: fc.integer({ min: 1, max: 5_000 }) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        k: fc.constant("illiquid" as const),
        i: idx,
        amount: fc.option(fc.bigInt({ min: 0n, max: 100_000n * USDC }), { nil: null }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ k: fc.constant("time" as const), seconds: fc.integer({ min: 1, max: 3_600 }) }),
    },
  ),
  { minLength: 1, maxLength: 10 },
) as fc.Arbitrary<Action[]>;

interface State {
  idle: bigint;
  total: bigint;
  supply: bigint;
  adapters: bigint[];
}

/** Builds the invariant fixture: 3 ERC-4626 sources, two funded users. */
export async function invariantFixture(a: Accounts): Promise<CoreFixture> {
  const f = await deployCore(a, { adapters: N, bounds: INVARIANT_BOUNDS, capBps: CAP_BPS });
  for (const u of [a.alice, a.bob]) {
    await send(f.token, "mint", [u.address, 10n ** 9n * USDC]);
    await send(f.token.connect(u), "approve", [f.addresses.vault, 1n << 255n]);
  }
  return f;
}

async function read(f: CoreFixture): Promise<State> {
  const [idle, total, supply, ...adapters] = (await Promise.all([
    f.vault.getFunction("idle")(),
    f.vault.getFunction("totalAssets")(),
    f.vault.getFunction("totalSupply")(),
    ...f.adapters.map((x) => x.getFunction("totalAssets")()),
  ])) as bigint[];
  return { idle: idle!, total: total!, supply: supply!, adapters };
}

/** Sends and waits; returns the decoded custom-error name on revert (undefined on success). */
async function tryTx(
  p: Promise<{ wait(): Promise<unknown> }>,
  onReceipt?: (r: TransactionReceipt) => void,
): Promise<string | undefined> {
  try {
    const r = (await (await p).wait()) as TransactionReceipt;
    onReceipt?.(r);
    return undefined;
  } catch (e) {
    const data = revertData(e);
    return (data && keelErrors().parseError(data)?.name) ?? `unknown: ${String(e).slice(0, 120)}`;
  }
}

/** Runs one action sequence against a fresh fixture and checks every invariant after each step. */
export async function runSequence(
  t: TestChain,
  a: Accounts,
  f: CoreFixture,
  actions: readonly Action[],
): Promise<void> {
  const users = [a.alice, a.bob] as const;
  let s = await read(f);
  let paused = false;
  for (const act of actions) {
    let lossReported = false;
    let expectUnchanged = false;
    switch (act.k) {
      case "deposit": {
        const u = users[act.who];
        const err = await tryTx(f.vault.connect(u).getFunction("deposit")(act.amount, u.address));
        if (paused) expect(err, "deposit while paused").to.equal("VaultPaused");
        else expect(err === undefined || err === "ZeroShares", `deposit: ${err}`).to.equal(true);
        break;
      }
      case "withdraw": {
        const u = users[act.who];
        const max = (await f.vault.getFunction("maxWithdraw")(u.address)) as bigint;
        const amt = (max * BigInt(act.pct)) / 100n;
        if (amt === 0n) break;
        const err = await tryTx(f.vault.connect(u).getFunction("withdraw")(amt, u.address, u.address));
        expect(err, "a withdrawal within maxWithdraw always succeeds, paused or not").to.equal(undefined);
        break;
      }
      case "redeem": {
        const u = users[act.who];
        const max = (await f.vault.getFunction("maxRedeem")(u.address)) as bigint;
        const shares = (max * BigInt(act.pct)) / 100n;
        if (shares === 0n) break;
        const err = await tryTx(f.vault.connect(u).getFunction("redeem")(shares, u.address, u.address));
        expect(err, "a redemption within maxRedeem always succeeds, paused or not").to.equal(undefined);
        break;
      }
      case "rebalance": {
        const moves = [];
        for (const m of act.moves) {
          const base = m.deposit ? s.idle : ((await f.adapters[m.i]!.getFunction("maxWithdraw")()) as bigint);
          const amt = (base * BigInt(m.bps)) / BPS;
          if (amt > 0n) moves.push(move(f.addresses.adapters[m.i]!, m.deposit, amt));
        }
        if (moves.length === 0) break;
        const before = s;
        let reported: { before: bigint; after: bigint } | undefined;
        const err = await tryTx(
          f.allocator.connect(a.keeper).getFunction("rebalance")(intent(), moves, NO_COMMITMENT),
          (r) => {
            for (const log of r.logs) {
              const ev = f.allocator.interface.parseLog(log);
              if (ev?.name === "Rebalanced") reported = { before: ev.args[2] as bigint, after: ev.args[3] as bigint };
            }
          },
        );
        const after = await read(f);
        if (err !== undefined) {
          const allowed = paused ? err === "VaultPaused" : BOUND_ERRORS.has(err);
          expect(allowed, `keeper rebalance reverted with ${err}`).to.equal(true);
          expectUnchanged = true;
          break;
        }
        expect(paused, "no rebalance while paused").to.equal(false);
        expect(reported, "one Rebalanced event reporting the observed totals").to.deep.equal({
          before: before.total,
          after: after.total,
        });
        // A loss inside maxLossBps (e.g. entering a target whose price a donation skewed) is reported by the event.
        lossReported = after.total < before.total;
        const moved = moves.reduce((x, m) => x + m[2], 0n);
        expect(moved * BPS, "max move").to.be.lte(INVARIANT_BOUNDS.maxMoveBps * before.total + BPS);
        if (after.total < before.total)
          expect((before.total - after.total) * BPS, "max loss").to.be.lte(INVARIANT_BOUNDS.maxLossBps * before.total);
        expect(after.idle * BPS, "min idle").to.be.gte(INVARIANT_BOUNDS.minIdleBps * after.total);
        for (const m of moves) {
          const i = f.addresses.adapters.indexOf(m[0]);
          if (m[1]) expect(after.adapters[i]! * BPS, "adapter cap").to.be.lte(CAP_BPS * after.total);
        }
        break;
      }
      case "yield":
        await send(f.token, "mint", [f.addresses.targets[act.i]!, act.amount]);
        break;
      case "donate":
        await send(f.token, "mint", [f.addresses.vault, act.amount]);
        break;
      case "pause":
        await send(f.vault.connect(a.guardian), "pause");
        paused = true;
        break;
      case "unpause":
        await send(f.vault.connect(a.manager), "unpause");
        paused = false;
        break;
      case "loss":
        await send(f.targets[act.i]!, "slash", [BigInt(act.bps), a.deployer.address]);
        lossReported = true;
        break;
      case "illiquid":
        await send(f.targets[act.i]!, "setLiquidity", [act.amount ?? (1n << 256n) - 1n]);
        break;
      case "time":
        await t.increaseTime(act.seconds);
        break;
    }
    const next = await read(f);
    // totalAssets is the sum of its parts (from the tokens' own books, not the vault's views).
    const parts = (await Promise.all([
      f.token.getFunction("balanceOf")(f.addresses.vault),
      ...f.targets.map(async (tg, i) =>
        tg.getFunction("previewRedeem")(await tg.getFunction("balanceOf")(f.addresses.adapters[i]!)),
      ),
      ...f.adapters.map((ad) => f.token.getFunction("balanceOf")(ad.getAddress())),
    ])) as bigint[];
    expect(next.total, "totalAssets = idle + Σ adapters").to.equal(parts.reduce((x, y) => x + y, 0n));
    if (expectUnchanged) expect(next, "a reverted rebalance changes nothing").to.deep.equal(s);
    // Share price (assets+1)/(supply+virtual) never drops, except through a reported loss; 2 wei of rounding
    // slack per step for the targets' own ERC-4626 rounding.
    if (!lossReported) {
      expect((next.total + 1n + 2n) * (s.supply + VIRTUAL), `share price after ${act.k}`).to.be.gte(
        (s.total + 1n) * (next.supply + VIRTUAL),
      );
    }
    s = next;
  }
}

/** Runs `numRuns` random sequences; returns how many actions ran. */
export async function runInvariant(t: TestChain, a: Accounts, numRuns: number, seed?: number): Promise<number> {
  let steps = 0;
  const build = () => invariantFixture(a);
  await fc.assert(
    fc.asyncProperty(actionsArb, async (actions) => {
      const f = await t.fixture(build);
      steps += actions.length;
      await runSequence(t, a, f, actions);
    }),
    { numRuns, endOnFailure: process.env.KEEL_INVARIANT_SHRINK !== "1", ...(seed === undefined ? {} : { seed }) },
  );
  return steps;
}
