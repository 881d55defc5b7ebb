// The market simulator's step moves chain time and the oracle answers in one block. It mined the time
// jump in an empty block and wrote the feeds in the blocks after, so a tick that read the chain in
// between saw every feed an hour old (DATA_STALE in the alerts e2e under load).

import { expect } from "chai";
import { Contract, JsonRpcProvider } from "ethers";
import pino from "pino";
import { type Devnet, startDevnet } from "../../../src/devnet/devnet.ts";

const FEED = ["function latestRoundData() view returns (uint80, int256, uint256, uint256, uint80)"];
const PAIR = [
  "function getReserves() view returns (uint112, uint112, uint32)",
  "function token0() view returns (address)",
];

describe("devnet market simulator", function () {
  this.timeout(240_000);
  let devnet: Devnet;
  let provider: JsonRpcProvider;

  before(async () => {
    devnet = await startDevnet(
      {
        seed: 5,
        stepSeconds: 3_600,
        stepIntervalMs: 600_000,
        initialDepositUnits: 1_000_000,
        httpPort: 0,
        episodes: false,
        autoStep: false,
      },
      { logger: pino({ level: "silent" }) },
    );
    // No cache: reads of the same call at "latest" right after a step must see the step.
    provider = new JsonRpcProvider(devnet.rpcUrl, undefined, { staticNetwork: true, polling: false, cacheTimeout: -1 });
  });
  after(async () => {
    provider?.destroy();
    await devnet?.close();
  });

  it("no block of a step shows the new time with the previous oracle answers", async () => {
    for (let i = 0; i < 3; i++) {
      const before = await provider.getBlockNumber();
      const startTime = (await provider.getBlock(before))?.timestamp ?? 0;
      await devnet.simulator.step();
      const after = await provider.getBlockNumber();
      for (let b = before + 1; b <= after; b++) {
        const time = (await provider.getBlock(b))?.timestamp ?? 0;
        // Only the blocks where time jumped by the step (the trades before it move time by a second each).
        if (time < startTime + 3_000) continue;
        for (const [pair, address] of Object.entries(devnet.deployment.oracles)) {
          const round = (await new Contract(address, FEED, provider).getFunction("latestRoundData")({
            blockTag: b,
          })) as bigint[];
          expect(Number(round[3]), `${pair} at block ${b} (time ${time})`).to.be.at.least(time - 60);
        }
      }
    }
  });

  it("steps after a base-fee spike set by hand: every answer mined in the step's block, at the step's base fee", async () => {
    // The v3 daemon e2e sets a 20 000 gwei base fee by hand; the next step's answers (priced for the
    // step's own fee) waited in the mempool, unmined, and the next answer reused their nonce.
    await provider.send("hardhat_setNextBlockBaseFeePerGas", [`0x${(20_000n * 10n ** 9n).toString(16)}`]);
    await provider.send("evm_mine", []);
    for (let i = 0; i < 2; i++) {
      await devnet.simulator.step();
      const latest = await provider.getBlock("latest");
      expect(Number(latest?.baseFeePerGas ?? 0n), "the step's block has the step's base fee").to.be.below(1_000e9);
      for (const [pair, address] of Object.entries(devnet.deployment.oracles)) {
        const round = (await new Contract(address, FEED, provider).getFunction("latestRoundData")()) as bigint[];
        expect(Number(round[3]), pair).to.equal(latest?.timestamp);
      }
      expect(await provider.send("eth_getBlockByNumber", ["pending", false])).to.have.property("transactions").that.is
        .empty;
    }
  });

  it("no block of a step shows the Uniswap pair's price away from the kWETH feed (the arbitrage lands with the answers)", async () => {
    // The pair was arbitraged to the new price in blocks before the answers: a rebalance estimated in
    // between met a pool 1-2 % off its oracle and reverted SlippageTooHigh (the walkthrough e2e).
    const d = devnet.deployment;
    const pair = new Contract(d.extra.uniswapPair!, PAIR, provider);
    const baseIs0 = String(await pair.getFunction("token0")()).toLowerCase() === d.asset.address.toLowerCase();
    const unit = 10 ** d.asset.decimals;
    for (let i = 0; i < 4; i++) {
      const before = await provider.getBlockNumber();
      await devnet.simulator.step();
      const after = await provider.getBlockNumber();
      for (let b = before; b <= after; b++) {
        const [r0, r1] = (await pair.getFunction("getReserves")({ blockTag: b })) as bigint[];
        const [base, other] = baseIs0 ? [r0!, r1!] : [r1!, r0!];
        const spot = Number(base) / unit / (Number(other) / 1e18);
        const round = (await new Contract(d.oracles["kWETH/USD"]!, FEED, provider).getFunction("latestRoundData")({
          blockTag: b,
        })) as bigint[];
        const oracle = Number(round[1]) / 1e8;
        expect(
          Math.abs(spot / oracle - 1),
          `block ${b}: pair ${spot.toFixed(2)}, feed ${oracle.toFixed(2)}`,
        ).to.be.below(0.005);
      }
    }
  });
});
