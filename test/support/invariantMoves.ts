// The invariant run's rebalances: keeper, manager and sentinel moves over the four adapters, and what each may
// and may not do.
import { expect } from "chai";
import type { JsonRpcSigner, Log, TransactionReceipt } from "ethers";
import type { Accounts } from "./chain.ts";
import type { Ledger } from "./invariant.ts";
import type { Action } from "./invariantActions.ts";
import { BPS, readBooks, tryTx, type World } from "./invariantWorld.ts";
import { intent, keel, move, NO_COMMITMENT } from "./keel.ts";

/** How many steps of each kind ended how (`kind:outcome` → count), for the bench's coverage figures. */
export type Outcomes = Record<string, number>;

/** What a move may run into in this world whoever sends it (oracle, pool, target and liquidity states). */
const MARKET_ERRORS = [
  "VaultPaused",
  "VaultShutdown",
  "UnknownAdapter",
  "InsufficientIdle",
  "InsufficientLiquidity",
  "AdapterCapExceeded",
  "StaleOracle",
  "InvalidOracleAnswer",
  "FeedUnavailable",
  "SpotDeviationTooHigh",
  "SlippageTooHigh",
  "TargetPaused",
];
/** What bounds the keeper, and the sentinel's loss. */
const KEEPER_ERRORS = [
  "MoveTooLarge",
  "LossTooHigh",
  "CooldownActive",
  "DailyLimitReached",
  "IdleBelowMinimum",
  "InflowTooLarge",
  "OutflowTooLarge",
  "DailyLossBudgetExceeded",
  "DailyFlowBudgetExceeded",
];
const ALLOWED = {
  manager: new Set(MARKET_ERRORS),
  keeper: new Set([...MARKET_ERRORS, ...KEEPER_ERRORS]),
  sentinel: new Set([...MARKET_ERRORS, "LossTooHigh", "DailyLossBudgetExceeded", "SentinelMayOnlyWithdraw"]),
};

interface Rebalanced {
  before: bigint;
  after: bigint;
  loss: bigint;
  ts: number;
}

/** One rebalance; checks that a revert changed nothing and that a success kept every bound of its sender. */
export async function rebalanceStep(
  w: World,
  a: Accounts,
  act: Extract<Action, { k: "rebalance" }>,
  ledger: Ledger,
  o: Outcomes,
): Promise<void> {
  const signer: JsonRpcSigner = { keeper: a.keeper, manager: a.manager, sentinel: a.guardian }[act.by];
  // Before a keeper move, book every adapter: the move's own loss is then exactly the drop in total assets.
  if (act.by === "keeper")
    for (const x of w.adapters) await tryTx(w.allocator.connect(a.alice).getFunction("report")(x));
  const before = await readBooks(w);
  const moves = [];
  for (const m of act.moves) {
    const adapter = w.adapters[m.i]!;
    // Deposits take up to a third of idle each (several fit the caps); withdrawals up to all that can leave.
    let base = before.idle / 3n;
    if (!m.deposit) {
      try {
        base = (await keel("IKeelAdapter", adapter, a.alice).getFunction("maxWithdraw")()) as bigint;
      } catch {
        base = before.debts[m.i]!;
      }
    }
    const amount = (base * BigInt(m.bps)) / BPS;
    if (amount > 0n) moves.push(move(adapter, m.deposit, amount));
  }
  if (moves.length === 0) return;
  let ev: Rebalanced | undefined;
  const err = await tryTx(
    w.allocator.connect(signer).getFunction("rebalance")(intent(), moves, NO_COMMITMENT),
    (r: TransactionReceipt) => {
      for (const log of r.logs as Log[]) {
        const e = w.allocator.interface.parseLog(log);
        if (e?.name === "Rebalanced") ev = { before: e.args[2], after: e.args[3], loss: e.args[4], ts: 0 };
      }
    },
  );
  const after = await readBooks(w);
  o[`rebalance:${act.by}:${err ?? "ok"}`] = (o[`rebalance:${act.by}:${err ?? "ok"}`] ?? 0) + 1;
  if (err !== undefined) {
    expect(ALLOWED[act.by].has(err), `${act.by} rebalance reverted with ${err}`).to.equal(true);
    expect(
      [after.idle, after.totalDebt, after.supply, after.debts],
      "a reverted rebalance changes nothing",
    ).to.deep.equal([before.idle, before.totalDebt, before.supply, before.debts]);
    return;
  }
  expect(ev, "one Rebalanced event").to.not.equal(undefined);
  const e = ev!;
  e.ts = (await w.vault.runner!.provider!.getBlock("latest"))!.timestamp;
  expect(e.after, "the event reports the books after the move").to.equal(after.total);
  for (const m of moves) {
    const caps = (await w.allocator.getFunction("adapterCaps")(m[0])) as bigint[];
    const i = w.adapters.indexOf(m[0]);
    if (m[1]) expect(after.debts[i]!, "absolute cap").to.be.lte(caps[1]!);
    if (m[1]) expect(after.debts[i]! * BPS, "relative cap").to.be.lte(caps[0]! * after.total);
  }
  if (act.by === "manager") return;
  if (act.by === "sentinel")
    expect(
      moves.every((m) => !m[1]),
      "the sentinel only withdraws",
    ).to.equal(true);
  await checkBounded(w, act.by, moves, e, after.idle, ledger);
}

async function checkBounded(
  w: World,
  by: "keeper" | "sentinel",
  moves: ReturnType<typeof move>[],
  e: Rebalanced,
  idleAfter: bigint,
  ledger: Ledger,
): Promise<void> {
  const b = (await w.allocator.getFunction("bounds")()) as bigint[];
  const budgets = (await w.allocator.getFunction("budgets")()) as bigint[];
  if (by === "keeper") {
    // Everything was booked just before: the loss the event reports is the whole drop in total assets.
    expect(e.before - e.after, "reported loss = drop in total assets").to.equal(e.loss);
    const moved = moves.reduce((x, m) => x + m[2], 0n);
    expect(moved * BPS, "max move").to.be.lte(b[0]! * e.before);
    expect(idleAfter * BPS, "min idle").to.be.gte(b[4]! * e.after);
    for (const dir of [true, false]) {
      for (const adapter of new Set(moves.filter((m) => m[1] === dir).map((m) => m[0]))) {
        const caps = (await w.allocator.getFunction("adapterCaps")(adapter)) as bigint[];
        const flow = moves.filter((m) => m[0] === adapter && m[1] === dir).reduce((x, m) => x + m[2], 0n);
        expect(flow, dir ? "max inflow" : "max outflow").to.be.lte(dir ? caps[2]! : caps[3]!);
      }
    }
  }
  expect(e.loss * BPS, "max loss per rebalance").to.be.lte(b[1]! * e.before);
  ledger.window.push({ ts: e.ts, loss: e.loss });
  const in24h = ledger.window.filter((x) => x.ts + 86_400 > e.ts).reduce((x, y) => x + y.loss, 0n);
  expect(in24h * BPS, "realised keeper loss over the trailing 24 h ≤ the daily budget").to.be.lte(
    budgets[0]! * e.before,
  );
}
