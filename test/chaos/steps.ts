// The chaos alphabet: fast-check arbitraries for steps, and how each step acts on the world.
import fc from "fast-check";
import { GWEI } from "../../src/pipeline/gasCheck/fees.ts";
import { FAULT_MODES, type FaultMode } from "../support/fault-proxy.ts";
import type { ChaosWorld } from "./world.ts";

/** One step of a chaos sequence (plain data, so a failing sequence prints readably). */
export type Step =
  | { readonly kind: "tick" }
  | { readonly kind: "mine"; readonly blocks: number; readonly seconds: number }
  | { readonly kind: "snapshotOrRevert" }
  | { readonly kind: "baseFeeSpike"; readonly multiplier: number }
  | { readonly kind: "dropTx" }
  | { readonly kind: "rpcFault"; readonly method: string; readonly mode: FaultMode; readonly times: number }
  | { readonly kind: "kill9"; readonly midTickAfterMs: number | null }
  | { readonly kind: "oracleMove" }
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
  "eth_blockNumber",
  "eth_getLogs",
  "eth_sendRawTransaction",
  "eth_estimateGas",
];

/** Weighted steps: ticks dominate so faults meet a running daemon. */
export const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 10, arbitrary: fc.constant<Step>({ kind: "tick" }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("mine" as const),
      blocks: fc.integer({ min: 1, max: 5 }),
      seconds: fc.constantFrom(12, 600, 4_000),
    }),
  },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: "snapshotOrRevert" }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("baseFeeSpike" as const), multiplier: fc.constantFrom(5, 50) }),
  },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: "dropTx" }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("rpcFault" as const),
      method: fc.constantFrom(...METHODS),
      mode: fc.constantFrom(...FAULT_MODES),
      times: fc.constantFrom(1, 5, 1_000_000),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("kill9" as const),
      midTickAfterMs: fc.option(fc.integer({ min: 0, max: 120 }), { nil: null }),
    }),
  },
  { weight: 2, arbitrary: fc.constant<Step>({ kind: "oracleMove" }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("depeg" as const), pct: fc.constantFrom(0, 0.6, 1.5, 5, 9) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("drain" as const),
      bps: fc.integer({ min: 50, max: 3_000 }),
      target: fc.nat(7),
    }),
  },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: "pause" }) },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: "unpause" }) },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: "revokeKeeper" }) },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: "grantKeeper" }) },
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
  switch (step.kind) {
    case "tick":
      return world.tick();
    case "mine":
      await world.rpc("evm_increaseTime", [step.seconds]);
      await world.rpc("hardhat_mine", [`0x${step.blocks.toString(16)}`]);
      return;
    case "snapshotOrRevert":
      return world.snapshotOrRevert();
    case "baseFeeSpike": {
      const block = await world.provider.getBlock("latest");
      // Spikes compound (the latest fee may itself be a spike), but never without bound: three ×50 spikes in a row once
      // set 15 M gwei, and the harness's own account (not keel) could no longer pay for its steps.
      const fee = bigMin((block?.baseFeePerGas ?? GWEI) * BigInt(step.multiplier), MAX_SPIKE_BASE_FEE_WEI);
      await world.rpc("hardhat_setNextBlockBaseFeePerGas", [`0x${fee.toString(16)}`]);
      await world.rpc("evm_mine");
      world.devnet.simulator.spikeBaseFee(3);
      world.count(s.faultsInjected, "baseFeeSpike");
      return;
    }
    case "dropTx":
      return world.tick({ dropPending: true });
    case "rpcFault":
      if (step.mode === "pass") world.proxy.clear();
      else {
        world.proxy.set(step.method, { mode: step.mode, times: step.times, delayMs: 50, blocksBack: 100 });
        world.count(s.faultsInjected, `rpc:${step.mode}`);
      }
      return;
    case "kill9":
      if (step.midTickAfterMs === null) return world.killDaemon(true);
      return world.tick({ killAfterMs: step.midTickAfterMs });
    case "oracleMove":
      await world.devnet.simulator.step();
      world.count(s.faultsInjected, "oracleMove");
      return;
    case "depeg":
      await world.devnet.simulator.depeg(`${world.devnet.deployment.asset.symbol}/USD`, 1 - step.pct / 100);
      if (step.pct > 0) world.count(s.faultsInjected, "depeg");
      return;
    case "drain": {
      const targets = world.devnet.deployment.adapters.filter((a) => a.kind === "vault");
      const t = targets[step.target % Math.max(1, targets.length)];
      if (!t) return;
      await world.devnet.simulator.drain(t.target, step.bps);
      world.count(s.faultsInjected, "drain");
      return;
    }
    case "pause":
      return world.setPaused(true);
    case "unpause":
      return world.setPaused(false);
    case "revokeKeeper":
      return world.setKeeperRole(false);
    case "grantKeeper":
      return world.setKeeperRole(true);
  }
}
