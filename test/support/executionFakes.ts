// In-memory fakes of the execution core's ports: a chain that mines what it is given, a signer, a
// broadcaster and bundle relays — no ethers, no node. Every intent transition the store makes is recorded.
import { expect } from "chai";
import type { GasVerdict, Move } from "../../src/domain/decision.ts";
import { KeelError } from "../../src/domain/errors.ts";
import type { IntentRecord, IntentState } from "../../src/domain/intent.ts";
import { createDirectRoute } from "../../src/execution/direct.ts";
import { revertError } from "../../src/execution/errors.ts";
import type { FailpointName, LifecycleDeps } from "../../src/execution/lifecycle.ts";
import { openMemoryIntentStore } from "../../src/execution/memoryIntentStore.ts";
import { createNonceManager } from "../../src/execution/nonces.ts";
import type { ChainReader, DecodedRevert, RebalancedEvent, ReceiptView } from "../../src/ports/chainReader.ts";
import type { Intent } from "../../src/ports/execution.ts";
import type { IntentStore } from "../../src/ports/intentStore.ts";
import type { LogSink } from "../../src/ports/log.ts";
import type { BundleRelays, BundleSimulation, PublicBroadcaster, TxSigner } from "../../src/ports/txSender.ts";

export const KEEPER = "0x00000000000000000000000000000000000000ee";
export const ALLOCATOR = "0x00000000000000000000000000000000000000a1";

/** Bundle-route options for the fakes: 3 blocks, 20 % priority bumps, no public fallback, short waits. */
export const BUNDLE_OPTS = {
  allocator: ALLOCATOR,
  blocks: 3,
  priorityBumpBps: 2_000,
  maxPriorityFeePerGasWei: 10_000_000_000n,
  allowPublicFallback: false,
  blockWaitMs: 20,
  pollMs: 5,
};

/** A signed transaction as the fake signer made it. */
interface FakeTx {
  readonly hash: string;
  readonly nonce: number;
  readonly data: string;
  readonly maxFeePerGas: bigint;
}

/** The fake world: mutable chain state, what was broadcast, and every transition the store made. */
export interface FakeWorld {
  readonly lc: LifecycleDeps;
  readonly store: IntentStore;
  /** `from→to` of every transition, in order. */
  readonly transitions: string[];
  /** Raw transactions handed to the public mempool. */
  readonly broadcasts: string[];
  head: number;
  minedNonce: number;
  balanceWei: bigint;
  /** Thrown by `simulate` (and `estimateGas`) when set. */
  simulateError: KeelError | undefined;
  /** Thrown by the signer when set. */
  signError: KeelError | undefined;
  /** The next block's base fee: the public mempool refuses (FEE_CAP_TOO_LOW) a cap below it when set. */
  nextBaseFeeWei: bigint | undefined;
  /** What the public mempool answers; `mine` = accept and mine it at once (an automining node). */
  mempool: "mine" | "hold" | "nonce-used";
  /** What the relays answer to a simulation. */
  relaySimulation: BundleSimulation | KeelError;
  /** Relays include the bundle at its target block. */
  relaysInclude: boolean;
  minedRevert: DecodedRevert | undefined;
  readonly events: Map<string, RebalancedEvent>;
  readonly receipts: Map<string, ReceiptView>;
  /** Mines a signed raw transaction (success or revert); its effect emits the intent's event. */
  mine(raw: string, success?: boolean): ReceiptView;
  /** Forgets a mined transaction (a reorg): its receipt and event vanish and its nonce is free again. */
  forget(hash: string): void;
  readonly relays: BundleRelays;
}

/** The encoder the fakes share: calldata names the intent, the on-chain id is derived from it. */
const encoder = {
  intentIdOf: (id: string) => `oid:${id}`,
  encodeRebalance: (id: string) => `rebalance:${id}`,
  encodeRerange: (lower: number, upper: number) => `rerange:${lower}:${upper}`,
};

/** A revert as the chain reader throws it (translated by the adapter). */
export function revert(name: string): KeelError {
  return revertError("simulate", { name, args: [], selector: "0x00000000" });
}

/** The chain reader over the fake world's state. */
function fakeChain(w: FakeWorld): ChainReader {
  return {
    chainId: async () => 31337n,
    head: async () => w.head,
    pendingNonce: async () => w.minedNonce,
    minedNonce: async () => w.minedNonce,
    balance: async () => w.balanceWei,
    nextBaseFee: async () => w.nextBaseFeeWei,
    receipt: async (hash) => w.receipts.get(hash),
    simulate: async () => {
      if (w.simulateError) throw w.simulateError;
    },
    estimateGas: async () => {
      if (w.simulateError) throw w.simulateError;
      return 100_000n;
    },
    findRebalanced: async (oid) => w.events.get(oid),
    hasRebalancedBy: async () => w.events.size > 0,
    minedRevert: async () => w.minedRevert,
  };
}

/** The signer, the public mempool and the relays of the fake world. */
function fakeSenders(w: FakeWorld, signed: Map<string, FakeTx>, next: () => number) {
  const signer: TxSigner = {
    address: async () => KEEPER,
    async sign(req) {
      if (w.signError) throw w.signError;
      const n = next();
      const raw = `raw-${n}`;
      signed.set(raw, { hash: `0xhash${n}`, nonce: req.nonce, data: req.data, maxFeePerGas: req.maxFeePerGas });
      return {
        hash: `0xhash${n}`,
        raw,
        maxFeePerGas: req.maxFeePerGas,
        maxPriorityFeePerGas: req.maxPriorityFeePerGas,
      };
    },
  };
  const broadcaster: PublicBroadcaster = {
    async sendRaw(raw) {
      const cap = signed.get(raw)?.maxFeePerGas ?? 0n;
      if (w.nextBaseFeeWei !== undefined && cap < w.nextBaseFeeWei) {
        throw new KeelError("FEE_CAP_TOO_LOW", "fee cap below the base fee", { retryable: true });
      }
      w.broadcasts.push(raw);
      if (w.mempool === "nonce-used") return "nonce-used";
      if (w.mempool === "mine") w.mine(raw);
      return "accepted";
    },
  };
  const relays: BundleRelays = {
    ready: async () => undefined,
    async simulate() {
      if (w.relaySimulation instanceof KeelError) throw w.relaySimulation;
      return w.relaySimulation;
    },
    async send(raw) {
      if (w.relaysInclude) w.mine(raw);
      return 1;
    },
  };
  return { signer, broadcaster, relays };
}

/** Builds a fresh fake world at head 100, nonce 0, with a funded keeper. */
export function fakeWorld(nowMs = 1_000_000): FakeWorld {
  const transitions: string[] = [];
  const inner = openMemoryIntentStore(() => nowMs);
  const store: IntentStore = {
    ...inner,
    async transition(id, to, patch) {
      const from = inner.get(id)?.state;
      const next = await inner.transition(id, to, patch);
      transitions.push(`${from}→${to}`);
      return next;
    },
  };
  const signed = new Map<string, FakeTx>();
  let counter = 0;
  const w = {
    transitions,
    broadcasts: [] as string[],
    head: 100,
    minedNonce: 0,
    balanceWei: 10n ** 20n,
    nextBaseFeeWei: undefined,
    simulateError: undefined,
    signError: undefined,
    mempool: "mine",
    relaySimulation: { ok: true },
    relaysInclude: true,
    minedRevert: undefined,
    events: new Map<string, RebalancedEvent>(),
    receipts: new Map<string, ReceiptView>(),
    store,
  } as unknown as FakeWorld;
  w.mine = (raw, success = true) => {
    const tx = signed.get(raw);
    if (!tx) throw new Error(`unknown raw ${raw}`);
    w.head += 1;
    const receipt = { hash: tx.hash, block: w.head, success };
    w.receipts.set(tx.hash, receipt);
    w.minedNonce = Math.max(w.minedNonce, tx.nonce + 1);
    if (success && tx.data.startsWith("rebalance:")) {
      const oid = encoder.intentIdOf(tx.data.slice("rebalance:".length));
      w.events.set(oid, { txHash: tx.hash, block: w.head, caller: KEEPER });
    }
    return receipt;
  };
  w.forget = (hash) => {
    const tx = [...signed.values()].find((t) => t.hash === hash);
    w.receipts.delete(hash);
    for (const [oid, e] of w.events) if (e.txHash === hash) w.events.delete(oid);
    if (tx) w.minedNonce = Math.min(w.minedNonce, tx.nonce);
  };
  const chain = fakeChain(w);
  const { signer, broadcaster, relays } = fakeSenders(w, signed, () => ++counter);
  (w as { relays: BundleRelays }).relays = relays;
  const nonces = createNonceManager({ chain });
  (w as { lc: LifecycleDeps }).lc = {
    signer,
    chain,
    broadcaster,
    store,
    nonces,
    encoder,
    allocator: ALLOCATOR,
    now: () => nowMs,
  };
  return w;
}

/** A one-move deposit intent with fixed fees and gas. */
export function intent(id: string, gas: Partial<GasVerdict> = {}): Intent {
  const move: Move = { sourceId: "0x00000000000000000000000000000000000000c3", direction: "deposit", amount: 5n };
  return {
    id,
    decisionId: id,
    plan: { targetWeights: {}, moves: [move], gainP10Usd: 1, gainP50Usd: 1, slippageUsd: 0, needsApproval: false },
    gas: {
      gasUnits: 100_000n,
      maxFeePerGasWei: 10_000_000_000n,
      maxPriorityFeePerGasWei: 1_000_000_000n,
      costWei: 0n,
      costUsd: 0,
      gainToCost: 10,
      ...gas,
    },
    snapshot: {} as never,
  };
}

/** Edges claimed by the tests (filled when the test files load, before any test runs). */
export const claimedEdges = new Set<string>();

/**
 * A test of one or more state-machine edges: `body` drives a fake world, and the test asserts the
 * store really made each claimed edge (on top of what the body asserts itself).
 */
export function edgeTest(
  edges: readonly `${IntentState}→${IntentState}`[],
  title: string,
  body: () => Promise<FakeWorld>,
) {
  for (const e of edges) claimedEdges.add(e);
  it(`${edges.join(", ")}: ${title}`, async () => {
    const w = await body();
    for (const e of edges) expect(w.transitions, `edge ${e} taken`).to.include(e);
  });
}

/** Awaits `p` and returns what it threw (fails when it resolved). */
export async function thrown(p: Promise<unknown>): Promise<KeelError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "expected a KeelError").to.be.instanceOf(KeelError);
  return err as KeelError;
}

/** One line a recording logger saw. */
export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly ctx: object;
  readonly bindings: object;
}

/** A logger that records every line (with its children's bindings) into `lines`. */
export function recordingLogger(lines: LogLine[], bindings: object = {}): LogSink {
  const log = (level: string) => (ctx: object, msg: string) => {
    lines.push({ level, msg, ctx, bindings });
  };
  return {
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
    child: (b) => recordingLogger(lines, { ...bindings, ...b }),
  };
}

/**
 * A direct intent signed at `nonce` by the fake signer (so the world can mine it) and stored `signed`
 * with its request, as a crash right after signing leaves it. Fees: 10 gwei max, 1 gwei priority.
 */
export async function signedAt(w: FakeWorld, id: string, nonce: number): Promise<IntentRecord> {
  const fees = { maxFeePerGasWei: "10000000000", maxPriorityFeePerGasWei: "1000000000" };
  const request = { to: ALLOCATOR, data: `rebalance:${id}`, chainId: "1", gasLimit: "90000", ...fees };
  await w.store.create({ id, onchainId: `oid:${id}`, decisionId: id, route: "direct", moves: [], request });
  const tx = await w.lc.signer.sign({
    from: KEEPER,
    nonce,
    to: ALLOCATOR,
    data: request.data,
    chainId: 1n,
    maxFeePerGas: BigInt(fees.maxFeePerGasWei),
    maxPriorityFeePerGas: BigInt(fees.maxPriorityFeePerGasWei),
  });
  const stored = { hash: tx.hash, raw: tx.raw, ...fees, at: w.lc.now() };
  return w.store.transition(id, "signed", { from: KEEPER, nonce, txs: [stored] });
}

/** Sends `id` on the direct route and stops the process at `point` (a crash); returns the record as it was left. */
export async function crashAt(w: FakeWorld, id: string, point: FailpointName): Promise<IntentRecord> {
  const lc: LifecycleDeps = {
    ...w.lc,
    failpoint: async (name) => {
      if (name === point) throw new Error(`killed at ${name}`);
    },
  };
  await createDirectRoute({ allocator: ALLOCATOR, receiptTimeoutMs: 10, receiptPollMs: 5 }, lc)
    .execute(intent(id), new AbortController().signal)
    .catch(() => undefined);
  const rec = w.store.get(id);
  if (!rec) throw new Error("no record");
  return rec;
}

/** A planned record as a restart finds it, with or without its unsigned request (fees and gas of 1). */
export function planned(w: FakeWorld, id: string, withRequest = true, route: "direct" | "safe" = "direct") {
  const request = { to: ALLOCATOR, data: `rebalance:${id}`, chainId: "1", gasLimit: "1" };
  return w.store.create({
    id,
    onchainId: `oid:${id}`,
    decisionId: id,
    route,
    moves: [],
    ...(withRequest ? { request: { ...request, maxFeePerGasWei: "1", maxPriorityFeePerGasWei: "1" } } : {}),
  });
}
