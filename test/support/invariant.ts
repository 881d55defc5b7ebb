// The vault's invariants under random sequences (fast-check) over the devnet's Aave, ERC-4626 and Uniswap v2 LP
// adapters together: after every step the books add up, withdrawals of idle funds and withdrawals within maxWithdraw
// succeed, previews equal execution (PreviewProbe), nobody gains from someone else's deposit or withdrawal beyond
// rounding, and the keeper's realised loss over any trailing 24 h stays within its budget.
import { expect } from "chai";
import type { Contract, JsonRpcSigner, TransactionReceipt } from "ethers";
import fc from "fast-check";
import { send } from "../../src/devnet/deploy/contract.ts";
import { boundsTuple } from "../../src/devnet/deploy/suite.ts";
import type { Accounts, TestChain } from "./chain.ts";
import { type Action, actionsArb } from "./invariantActions.ts";
import { type Outcomes, rebalanceStep } from "./invariantMoves.ts";
import {
  type Books,
  BPS,
  buildWorld,
  INVARIANT_BOUNDS,
  readBooks,
  tryTx,
  VIRTUAL,
  type World,
} from "./invariantWorld.ts";
import { caps } from "./keel.ts";
import { pushSpot } from "./pair.ts";

export type { Action } from "./invariantActions.ts";
export { actionsArb } from "./invariantActions.ts";

/** Wei of rounding one step may socialise (a lossless pull books ≤ 10 per adapter twice). */
export const ROUNDING = 64n;
/** The LP adapter's exit-cost bound (slippage 100 + fee margin 40): what withdrawWithLoss accepts. */
const LP_EXIT_BPS = 140n;
const FEED_PRICE = { base: 100_000_000n, other: 3_000n * 100_000_000n };

/** What a sequence knows that the chain does not say directly. */
export interface Ledger {
  paused: boolean;
  shutdown: boolean;
  answers: { base: bigint; other: bigint };
  /** Realised loss of every bounded (keeper / sentinel) rebalance: the rolling budget's evidence. */
  window: { ts: number; loss: bigint }[];
}

/** Runs one action sequence against the fixture and checks every invariant after each step. */
export async function runSequence(
  t: TestChain,
  a: Accounts,
  w: World,
  actions: readonly Action[],
  outcomes: Outcomes = {},
): Promise<void> {
  const ledger: Ledger = { paused: false, shutdown: false, answers: { ...FEED_PRICE }, window: [] };
  let books = await readBooks(w);
  for (const act of actions) {
    const r = await step(t, a, w, act, ledger, outcomes);
    const next = await readBooks(w);
    const sum = next.idle + next.totalDebt;
    expect(next.total, "totalAssets = idle + Σ debt − locked profit").to.equal(
      sum > next.locked ? sum - next.locked : 0n,
    );
    expect(next.totalDebt, "totalDebt = Σ adapter debt").to.equal(next.debts.reduce((x, y) => x + y, 0n));
    // Only a loss booked for everyone moves the share price down; deposits, withdrawals, JIT pairs, market and
    // oracle moves, pauses and time never do, beyond rounding.
    const base = r.priceBase ?? books;
    if (!r.booksLoss) {
      expect((next.total + 1n + ROUNDING) * (base.supply + VIRTUAL), `share price after ${act.k}`).to.be.gte(
        (base.total + 1n) * (next.supply + VIRTUAL),
      );
    }
    books = next;
  }
}

const count = (o: Outcomes, key: string) => {
  o[key] = (o[key] ?? 0) + 1;
};

interface StepResult {
  /** The step may book a loss for every holder (a report, a rebalance, a write-off, an emergency exit). */
  booksLoss?: boolean;
  /** Books to compare the share price against (after the step's own reports). */
  priceBase?: Books;
}

async function step(
  t: TestChain,
  a: Accounts,
  w: World,
  act: Action,
  ledger: Ledger,
  o: Outcomes,
): Promise<StepResult> {
  const adapterAt = (i: number) => w.adapters[i]!;
  switch (act.k) {
    case "deposit": {
      const err = await tryTx(w.probe.connect(w.users[act.who]!).getFunction("deposit")(w.d.vault, act.amount));
      if (ledger.shutdown) expect(err, "deposit after shutdown").to.equal("VaultShutdown");
      else if (ledger.paused) expect(err, "deposit while paused").to.equal("VaultPaused");
      else expect(err === undefined || err === "ZeroShares", `deposit: ${err}`).to.equal(true);
      count(o, `deposit:${err ?? "ok"}`);
      return {};
    }
    case "withdraw":
    case "redeem":
      await within(w, act.k, w.users[act.who]!, act.pct, o);
      return {};
    case "idleWithdraw":
      await idleWithdraw(w, w.users[act.who]!, act.pct, o);
      return {};
    case "lossyWithdraw":
      return lossyWithdraw(w, a, w.users[act.who]!, act.pct, o);
    case "jit":
      return jit(w, a, act, ledger, o);
    case "rebalance":
      await rebalanceStep(w, a, act, ledger, o);
      return { booksLoss: true };
    case "yield":
      await send(w.token, "mint", [await w.targets[act.i]!.getAddress(), act.amount]);
      return {};
    case "loss":
      await send(w.targets[act.i]!, "slash", [BigInt(act.bps), a.deployer.address]);
      return {};
    case "report": {
      const err = await tryTx(w.allocator.connect(a.alice).getFunction("report")(adapterAt(act.i)));
      const books = await readBooks(w);
      expect(err, "anyone's report of a listed adapter succeeds").to.equal(
        books.listed[act.i] ? undefined : "UnknownAdapter",
      );
      count(o, `report:${err ?? "ok"}`);
      return { booksLoss: true };
    }
    case "feed":
      await setFeed(t, w, act, ledger);
      count(o, `feed:${act.which}:${act.mode}`);
      return {};
    case "targetPause":
      await send(w.targets[act.i]!, "setPaused", [act.on]);
      count(o, `targetPause:${act.on}`);
      return {};
    case "swap":
      try {
        await pushSpot(w.d, a.deployer, a.deployer, BigInt(act.bps));
        count(o, "swap:ok");
      } catch {
        count(o, "swap:feedUnreadable");
      }
      return {};
    case "borrow":
      count(
        o,
        `borrow:${(await tryTx(w.aavePool.getFunction("borrow")(w.d.asset.address, act.amount, 2, 0, a.borrower.address))) ?? "ok"}`,
      );
      return {};
    case "pause":
      await send(w.vault.connect(a.guardian), "pause");
      ledger.paused = true;
      count(o, "pause:ok");
      return {};
    case "unpause":
      await send(w.vault.connect(a.manager), "unpause");
      ledger.paused = false;
      return {};
    case "shutdown": {
      const err = await tryTx(w.vault.connect(a.manager).getFunction("shutdown")());
      expect(err, "shutdown").to.equal(ledger.shutdown ? "VaultShutdown" : undefined);
      ledger.shutdown = true;
      ledger.paused = true;
      count(o, `shutdown:${err ?? "ok"}`);
      return { booksLoss: true };
    }
    case "forceRemove":
    case "emergencyExit": {
      const listed = (await readBooks(w)).listed[act.i];
      const call =
        act.k === "forceRemove"
          ? w.allocator.connect(a.manager).getFunction("removeAdapter")(adapterAt(act.i), true)
          : w.allocator.connect(a.manager).getFunction("emergencyExit")(adapterAt(act.i));
      const err = await tryTx(call);
      expect(err, `${act.k} never reverts on a listed adapter`).to.equal(listed ? undefined : "UnknownAdapter");
      count(o, `${act.k}:${err ?? "ok"}`);
      return { booksLoss: true };
    }
    case "setBounds":
      await send(w.allocator.connect(a.manager), "setBounds", [
        boundsTuple({
          ...INVARIANT_BOUNDS,
          maxMoveBps: act.maxMoveBps,
          maxLossBps: act.maxLossBps,
          minIdleBps: act.minIdleBps,
          maxRebalancesPerDay: act.maxRebalancesPerDay,
        }),
      ]);
      count(o, "setBounds:ok");
      return {};
    case "setBudgets":
      await send(w.allocator.connect(a.manager), "setBudgets", [[act.maxDailyLossBps, act.maxDailyFlowBps]]);
      count(o, "setBudgets:ok");
      return {};
    case "setCaps": {
      const listed = (await readBooks(w)).listed[act.i];
      const err = await tryTx(
        w.allocator.connect(a.manager).getFunction("setAdapterCaps")(
          adapterAt(act.i),
          caps(act.relativeCapBps, { maxInflow: act.maxInflow }),
        ),
      );
      expect(err).to.equal(listed ? undefined : "UnknownAdapter");
      return {};
    }
    case "time":
      await t.increaseTime(act.seconds);
      return {};
  }
}

/** withdraw / redeem of `pct` of maxWithdraw / maxRedeem (read in the same transaction): succeeds, previewed exactly. */
async function within(w: World, k: "withdraw" | "redeem", u: JsonRpcSigner, pct: number, o: Outcomes) {
  const max = (await w.vault.getFunction(k === "withdraw" ? "maxWithdraw" : "maxRedeem")(u.address)) as bigint;
  if ((max * BigInt(pct)) / 100n === 0n) return;
  const err = await tryTx(w.probe.connect(u).getFunction(`${k}WithinMax`)(w.d.vault, pct));
  expect(err, `a ${k} within max${k === "withdraw" ? "Withdraw" : "Redeem"} succeeds, previewed exactly`).to.equal(
    undefined,
  );
  count(o, `${k}:ok`);
}

/** A withdrawal of idle funds: never depends on an adapter, so it always succeeds. */
async function idleWithdraw(w: World, u: JsonRpcSigner, pct: number, o: Outcomes) {
  const [idle, shares] = (await Promise.all([
    w.vault.getFunction("idle")(),
    w.vault.getFunction("balanceOf")(u.address),
  ])) as [bigint, bigint];
  const own = (await w.vault.getFunction("previewRedeem")(shares)) as bigint;
  const amount = ((idle < own ? idle : own) * BigInt(pct)) / 100n;
  if (amount === 0n) return;
  const err = await tryTx(w.probe.connect(u).getFunction("withdraw")(w.d.vault, amount));
  expect(err, "a withdrawal of idle funds always succeeds").to.equal(undefined);
  count(o, "idleWithdraw:ok");
}

/** withdrawWithLoss at the LP's exit bound, after everything was reported (so no loss is left for others). */
async function lossyWithdraw(w: World, a: Accounts, u: JsonRpcSigner, pct: number, o: Outcomes): Promise<StepResult> {
  for (const x of w.adapters) await tryTx(w.allocator.connect(a.alice).getFunction("report")(x));
  const base = await readBooks(w);
  const max = (await w.vault.getFunction("maxWithdrawWithLoss")(u.address, LP_EXIT_BPS)) as bigint;
  const amount = (max * BigInt(pct)) / 100n;
  if (amount === 0n) return { priceBase: base };
  const before = (await w.token.getFunction("balanceOf")(u.address)) as bigint;
  const err = await tryTx(
    w.vault.connect(u).getFunction("withdrawWithLoss")(amount, u.address, u.address, LP_EXIT_BPS),
  );
  expect(err, "a withdrawal within maxWithdrawWithLoss succeeds").to.equal(undefined);
  const paid = ((await w.token.getFunction("balanceOf")(u.address)) as bigint) - before;
  expect(paid, "pays assets − cost, the cost within maxLoss").to.be.gte(amount - (amount * LP_EXIT_BPS) / BPS);
  expect(paid).to.be.lte(amount);
  count(o, paid < amount ? "lossyWithdraw:paidCost" : "lossyWithdraw:exact");
  return { priceBase: base };
}

/**
 * Deposit then redeem everything, optionally around a gain booked in between (yield reported on an ERC-4626 source):
 * the pair gains at most what unlocked while it held (time, not someone else's gain).
 */
async function jit(
  w: World,
  a: Accounts,
  act: Extract<Action, { k: "jit" }>,
  ledger: Ledger,
  o: Outcomes,
): Promise<StepResult> {
  const eve = a.eve;
  const before = (await w.token.getFunction("balanceOf")(eve.address)) as bigint;
  // Shares an earlier pair could not redeem (the vault's liquid funds fell short) are not this pair's.
  const held = (await w.vault.getFunction("balanceOf")(eve.address)) as bigint;
  // Locked profit is read at the blocks the transactions ran in (a call at "latest" may run at a later time).
  let entered = 0;
  let booked = 0n;
  const err = await tryTx(w.probe.connect(eve).getFunction("deposit")(w.d.vault, act.amount), (r) => {
    entered = r.blockNumber;
  });
  if (ledger.shutdown || ledger.paused) {
    expect(err).to.equal(ledger.shutdown ? "VaultShutdown" : "VaultPaused");
    return {};
  }
  expect(err === undefined || err === "ZeroShares", `jit deposit: ${err}`).to.equal(true);
  let priceBase: Books | undefined;
  if (act.withGain) {
    await send(w.token, "mint", [await w.targets[0]!.getAddress(), act.amount / 100n]);
    await tryTx(w.allocator.connect(eve).getFunction("report")(w.adapters[0]!), (r) => {
      booked += lockedBy(w, r);
    });
    priceBase = await readBooks(w); // the report may book a loss the target had: the price is compared after it
  }
  const shares = ((await w.vault.getFunction("balanceOf")(eve.address)) as bigint) - held;
  if (shares === 0n) return priceBase ? { priceBase } : {};
  let to = 0;
  // Everything, or maxRedeem when the vault's liquid funds cannot pay it all (EIP-4626 allows no more).
  const redeemed = await tryTx(w.probe.connect(eve).getFunction("redeemUpToMax")(w.d.vault, shares), (r) => {
    to = r.blockNumber;
    booked += lockedBy(w, r); // a pull for the redeem may book an adapter's gain (locked)
  });
  expect(redeemed, "jit redeem").to.equal(undefined);
  const at = { blockTag: to };
  const locked = (blockTag: number) => w.allocator.getFunction("lockedProfit")({ blockTag }) as Promise<bigint>;
  // Unlocked while she held: what was locked when she entered, plus the gains locked since, minus what is left.
  const unlocked = (await locked(entered)) + booked - (await locked(to));
  // What she could not redeem counts at its value then.
  const left = ((await w.vault.getFunction("balanceOf")(eve.address, at)) as bigint) - held;
  const leftValue = left > 0n ? ((await w.vault.getFunction("convertToAssets")(left, at)) as bigint) : 0n;
  const gain = ((await w.token.getFunction("balanceOf")(eve.address)) as bigint) + leftValue - before;
  expect(gain, "a JIT pair gains at most what unlocked while it held").to.be.lte(unlocked + 1n);
  count(o, left > 0n ? "jit:heldBackByLiquidity" : gain > 0n ? "jit:unlockShare" : "jit:nothing");
  return priceBase ? { priceBase } : {};
}

/** Σ gains a transaction locked (ProfitLocked events). */
function lockedBy(w: World, r: TransactionReceipt): bigint {
  let sum = 0n;
  for (const log of r.logs) {
    const e = w.allocator.interface.parseLog(log);
    if (e?.name === "ProfitLocked") sum += e.args.gain as bigint;
  }
  return sum;
}

async function setFeed(t: TestChain, w: World, act: Extract<Action, { k: "feed" }>, ledger: Ledger): Promise<void> {
  const feed: Contract = w.feeds[act.which];
  switch (act.mode) {
    case "move":
      ledger.answers[act.which] = (FEED_PRICE[act.which] * (BPS + BigInt(act.bps))) / BPS;
      await send(feed, "setAnswer", [ledger.answers[act.which]]);
      return;
    case "stale":
      await send(feed, "setAnswerAt", [ledger.answers[act.which], BigInt((await t.latestTimestamp()) - 100_000)]);
      return;
    case "nonPositive":
      await send(feed, "setAnswer", [act.bps % 2 === 0 ? 0n : -1n]);
      return;
    case "revert":
      await send(feed, "setReverting", [true]);
      return;
    case "restore":
      ledger.answers[act.which] = FEED_PRICE[act.which];
      await send(feed, "setReverting", [false]);
      await send(feed, "setAnswer", [FEED_PRICE[act.which]]);
      return;
  }
}

/** Runs `numRuns` random sequences; returns how many actions ran and how each kind of step ended. */
export async function runInvariant(
  t: TestChain,
  a: Accounts,
  numRuns: number,
  seed?: number,
): Promise<{ steps: number; outcomes: Outcomes }> {
  let steps = 0;
  const outcomes: Outcomes = {};
  const build = () => buildWorld(a);
  await fc.assert(
    fc.asyncProperty(actionsArb, async (actions) => {
      const w = await t.fixture(build);
      steps += actions.length;
      await runSequence(t, a, w, actions, outcomes);
    }),
    { numRuns, endOnFailure: process.env.KEEL_INVARIANT_SHRINK !== "1", ...(seed === undefined ? {} : { seed }) },
  );
  return { steps, outcomes };
}
