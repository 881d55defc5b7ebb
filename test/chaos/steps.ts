// The chaos alphabet: fast-check arbitraries for steps, and how each step acts on the world. The daemon is
// a real process ticking on new blocks by itself; steps change the world around it while it works.
import fc from "fast-check";
import { GWEI } from "../../src/pipeline/gasCheck/fees.ts";
import { FAULT_MODES, type FaultMode } from "../support/fault-proxy.ts";
import { type ChaosWorld, ENDPOINTS } from "./world.ts";

/** One step of a chaos sequence (plain data, so a failing sequence prints readably). */
export type Step =
  /**
   * The workload: an hour of market, a depositor's flow (whole units of the asset: positive deposits, negative
   * withdraws, 0 none), then `blocks` blocks with the daemon running.
   */
  | { readonly kind: "run"; readonly flow: number; readonly blocks: number }
  /** A depositor's flow alone (the daemon neither restarted nor waited for). */
  | { readonly kind: "flow"; readonly units: number }
  | { readonly kind: "snapshotOrRevert" }
  | { readonly kind: "baseFeeSpike"; readonly multiplier: number }
  | { readonly kind: "dropTx" }
  | {
      readonly kind: "rpcFault";
      /** Endpoint index, or -1 for every endpoint. */
      readonly endpoint: number;
      readonly method: string;
      readonly mode: FaultMode;
      readonly times: number;
    }
  | { readonly kind: "liar"; readonly endpoint: number; readonly blocksBack: number; readonly times: number }
  | { readonly kind: "kill9"; readonly restart: boolean }
  | { readonly kind: "kill9AtSend" }
  | { readonly kind: "sigterm" }
  | { readonly kind: "depeg"; readonly pct: number }
  | { readonly kind: "drain"; readonly bps: number; readonly target: number }
  | { readonly kind: "pause" }
  | { readonly kind: "unpause" }
  | { readonly kind: "revokeKeeper" }
  | { readonly kind: "grantKeeper" };

const METHODS = [
  "*",
  "*",
  "eth_call",
  "eth_getBlockByNumber",
  "eth_getTransactionCount",
  "eth_sendRawTransaction",
  "eth_estimateGas",
];
const endpointArb = fc.integer({ min: 0, max: ENDPOINTS - 1 });

/** Weighted steps: the daemon runs and the market moves most of the time, so faults meet transactions in flight. */
export const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant("run" as const),
      flow: fc.constantFrom(0, 5_000, 10_000, 10_000, 20_000, -10_000),
      blocks: fc.integer({ min: 1, max: 4 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: "snapshotOrRevert" }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("baseFeeSpike" as const), multiplier: fc.constantFrom(5, 50) }),
  },
  { weight: 2, arbitrary: fc.constant<Step>({ kind: "dropTx" }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("rpcFault" as const),
      endpoint: fc.integer({ min: -1, max: ENDPOINTS - 1 }),
      method: fc.constantFrom(...METHODS),
      mode: fc.constantFrom(...FAULT_MODES),
      times: fc.constantFrom(1, 5, 1_000_000),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("liar" as const),
      endpoint: endpointArb,
      blocksBack: fc.constantFrom(1, 3, 10),
      times: fc.constantFrom(20, 1_000_000),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("kill9" as const), restart: fc.boolean() }) },
  { weight: 3, arbitrary: fc.constant<Step>({ kind: "kill9AtSend" }) },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: "sigterm" }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("depeg" as const), pct: fc.constantFrom(0, 0.6, 1.5, 5) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("drain" as const),
      bps: fc.integer({ min: 20, max: 150 }),
      target: fc.nat(7),
    }),
  },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: "pause" }) },
  { weight: 2, arbitrary: fc.constant<Step>({ kind: "unpause" }) },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: "revokeKeeper" }) },
  { weight: 2, arbitrary: fc.constant<Step>({ kind: "grantKeeper" }) },
);

/** Applies one step to the world (and times it per kind). */
export async function applyStep(world: ChaosWorld, step: Step): Promise<void> {
  const s = world.stats;
  world.count(s.stepsByKind, step.kind);
  s.steps += 1;
  const t0 = performance.now();
  try {
    await act(world, step);
  } finally {
    world.count(s.msByKind, step.kind, Math.round(performance.now() - t0));
  }
}

/** The highest base fee a spike sets: 10 000 gwei, hundreds of times an ordinary mainnet base fee. */
const MAX_SPIKE_BASE_FEE_WEI = 10_000n * GWEI;
const bigMin = (a: bigint, b: bigint) => (a < b ? a : b);

async function act(world: ChaosWorld, step: Step): Promise<void> {
  const s = world.stats;
  const fault = (kind: string) => world.count(s.faultsInjected, kind);
  switch (step.kind) {
    case "run":
      return world.work(step.flow, step.blocks);
    case "flow":
      return world.chain.flow(step.units);
    case "snapshotOrRevert":
      return world.snapshotOrRevert();
    case "baseFeeSpike": {
      const block = await world.provider.getBlock("latest");
      const fee = bigMin((block?.baseFeePerGas ?? GWEI) * BigInt(step.multiplier), MAX_SPIKE_BASE_FEE_WEI);
      await world.chain.rpc("hardhat_setNextBlockBaseFeePerGas", [`0x${fee.toString(16)}`]);
      // Mined at once (pending keeper transactions priced below it stay behind), so the harness's own fee estimates follow.
      await world.chain.rpc("evm_mine");
      world.devnet.simulator.spikeBaseFee(3);
      fault("baseFeeSpike");
      return;
    }
    case "dropTx":
      return world.chain.dropKeeperTxs();
    case "rpcFault": {
      const targets = step.endpoint < 0 ? world.proxies : [world.proxies[step.endpoint]];
      for (const p of targets) {
        if (step.mode === "pass") p?.clear();
        else p?.set(step.method, { mode: step.mode, times: step.times, delayMs: 50, blocksBack: 100 });
      }
      if (step.mode !== "pass") fault(`rpc:${step.mode}${step.endpoint < 0 ? ":all" : ""}`);
      return;
    }
    case "liar":
      world.proxies[step.endpoint]?.set("*", { mode: "staleState", blocksBack: step.blocksBack, times: step.times });
      fault(`liar:staleState@rpc#${step.endpoint}`);
      return;
    case "kill9":
      if (!(await world.daemonRunning())) return;
      await world.stopDaemon("SIGKILL");
      fault("kill9");
      if (step.restart) await world.ensureDaemon();
      return;
    case "kill9AtSend":
      world.killOnNextSend();
      return;
    case "sigterm":
      if (!(await world.daemonRunning())) return;
      await world.stopDaemon("SIGTERM");
      fault("sigterm");
      return world.ensureDaemon();
    case "depeg":
      await world.chain.withAutomine(() =>
        world.devnet.simulator.depeg(`${world.devnet.deployment.asset.symbol}/USD`, 1 - step.pct / 100),
      );
      if (step.pct > 0) fault("depeg");
      return;
    case "drain": {
      const targets = world.devnet.deployment.adapters.filter((a) => a.kind === "vault");
      const t = targets[step.target % Math.max(1, targets.length)];
      if (!t) return;
      await world.chain.withAutomine(() => world.devnet.simulator.drain(t.target, step.bps));
      fault("drain");
      return;
    }
    case "pause":
      return world.chain.setPaused(true);
    case "unpause":
      return world.chain.setPaused(false);
    case "revokeKeeper":
      return world.chain.setKeeperRole(false);
    case "grantKeeper":
      return world.chain.setKeeperRole(true);
  }
}

/**
 * The mutant check's fixed sequence: endpoint rpc#0 (the preferred one) answers state reads from 40 blocks back
 * while the daemon makes six rebalances. A nonce manager that trusts the chain's pending nonce alone hands out a
 * nonce already used; the real one (local and stored reservations) does not.
 */
export const LYING_NONCE_SCENARIO: readonly Step[] = [
  { kind: "liar", endpoint: 0, blocksBack: 40, times: 1_000_000 },
  ...Array.from({ length: 6 }, (): Step => ({ kind: "run", flow: 10_000, blocks: 2 })),
];

/**
 * A lying preferred endpoint and the kill-switch: the vault is paused while the daemon is down, with idle cash it
 * would invest; rpc#0 answers state reads from 20 blocks back (before the pause). The daemon must not send.
 */
export const LYING_PAUSE_SCENARIO: readonly Step[] = [
  { kind: "kill9", restart: false },
  { kind: "flow", units: 50_000 },
  { kind: "pause" },
  { kind: "liar", endpoint: 0, blocksBack: 20, times: 1_000_000 },
  { kind: "run", flow: 0, blocks: 4 },
  { kind: "run", flow: 0, blocks: 4 },
];
