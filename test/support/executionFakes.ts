// In-memory fakes of the execution core's ports: a chain that mines what it is given, a signer, a
// broadcaster and bundle relays — no ethers, no node. Every intent transition the store makes is recorded.
import { expect } from "chai";
import type { GasVerdict, Move } from "../../src/domain/decision.ts";
import { KeelError } from "../../src/domain/errors.ts";
import type { IntentState } from "../../src/domain/intent.ts";
import { revertError } from "../../src/execution/errors.ts";
import type { LifecycleDeps } from "../../src/execution/lifecycle.ts";
import { openMemoryIntentStore } from "../../src/execution/memoryIntentStore.ts";
import { createNonceManager } from "../../src/execution/nonces.ts";
import type { ChainReader, DecodedRevert, RebalancedEvent, ReceiptView } from "../../src/ports/chainReader.ts";
import type { Intent } from "../../src/ports/execution.ts";
import type { IntentStore } from "../../src/ports/intentStore.ts";
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
      signed.set(raw, { hash: `0xhash${n}`, nonce: req.nonce, data: req.data });
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
