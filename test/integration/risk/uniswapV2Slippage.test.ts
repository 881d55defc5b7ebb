import { createRequire } from "node:module";
import { expect } from "chai";
import { type BaseContract, type Contract, ContractFactory, type JsonRpcSigner } from "ethers";
import { getAmountOut, lpExitCost } from "../../../src/pipeline/riskGate/slippage.ts";
import { openTestChain, type TestChain } from "../../support/chain.ts";

const require = createRequire(import.meta.url);
interface Artifact {
  abi: unknown[];
  bytecode: string;
}
const artifact = (name: string): Artifact => require(`@uniswap/v2-core/build/${name}.json`) as Artifact;

const E18 = 10n ** 18n;

async function deploy(name: string, signer: JsonRpcSigner, ...args: unknown[]): Promise<Contract> {
  const a = artifact(name);
  const bytecode = a.bytecode.startsWith("0x") ? a.bytecode : `0x${a.bytecode}`;
  const c = await new ContractFactory(a.abi as never, bytecode, signer).deploy(...args);
  await c.waitForDeployment();
  return c as BaseContract as Contract;
}

describe("exit cost against a real Uniswap v2 pair (local chain)", function () {
  this.timeout(60_000);
  let tc: TestChain;
  let me: JsonRpcSigner;
  let pair: Contract;
  let token0: Contract;
  let token1: Contract;

  before(async () => {
    tc = await openTestChain();
    me = await tc.signer(0);
    const a = await deploy("ERC20", me, 10_000_000n * E18);
    const b = await deploy("ERC20", me, 10_000_000n * E18);
    const factory = await deploy("UniswapV2Factory", me, await me.getAddress());
    await (await factory.getFunction("createPair")(await a.getAddress(), await b.getAddress())).wait();
    const pairAddr = (await factory.getFunction("getPair")(await a.getAddress(), await b.getAddress())) as string;
    pair = new (await import("ethers")).Contract(pairAddr, artifact("UniswapV2Pair").abi as never, me);
    const t0 = (await pair.getFunction("token0")()) as string;
    [token0, token1] = t0 === (await a.getAddress()) ? [a, b] : [b, a];
    // 1 000 token0 : 2 000 000 token1 (token0 priced at 2 000 token1).
    await (await token0.getFunction("transfer")(pairAddr, 1_000n * E18)).wait();
    await (await token1.getFunction("transfer")(pairAddr, 2_000_000n * E18)).wait();
    await (await pair.getFunction("mint")(await me.getAddress())).wait();
  });

  after(async () => {
    await tc.close();
  });

  it("getAmountOut is exactly the most the pair pays: one wei more breaks its invariant", async () => {
    const [r0, r1] = (await pair.getFunction("getReserves")()) as [bigint, bigint, bigint];
    const amountIn = 37n * E18;
    const out = getAmountOut(amountIn, r0, r1);
    await (await token0.getFunction("transfer")(await pair.getAddress(), amountIn)).wait();
    let reverted = "";
    try {
      await pair.getFunction("swap").staticCall(0n, out + 1n, await me.getAddress(), "0x");
    } catch (err) {
      reverted = String((err as Error).message);
    }
    expect(reverted).to.match(/UniswapV2: K/);
    const before = (await token1.getFunction("balanceOf")(await me.getAddress())) as bigint;
    await (await pair.getFunction("swap")(0n, out, await me.getAddress(), "0x")).wait();
    const after = (await token1.getFunction("balanceOf")(await me.getAddress())) as bigint;
    expect(after - before).to.equal(out);
  });

  it("the modelled LP exit cost matches burning a share and selling the token0 half on-chain", async () => {
    const pairAddr = await pair.getAddress();
    const meAddr = await me.getAddress();
    const [r0, r1] = (await pair.getFunction("getReserves")()) as [bigint, bigint, bigint];
    const supply = (await pair.getFunction("totalSupply")()) as bigint;
    const liquidity = supply / 10n; // a 10 % share of the pool
    const fair = (Number(r0) / 1e18) * (Number(r1) / Number(r0)) * 2 * 0.1; // value of the share in token1 at spot
    const t1Before = (await token1.getFunction("balanceOf")(meAddr)) as bigint;
    const t0Before = (await token0.getFunction("balanceOf")(meAddr)) as bigint;
    await (await pair.getFunction("transfer")(pairAddr, liquidity)).wait();
    await (await pair.getFunction("burn")(meAddr)).wait();
    const got0 = ((await token0.getFunction("balanceOf")(meAddr)) as bigint) - t0Before;
    const [q0, q1] = (await pair.getFunction("getReserves")()) as [bigint, bigint, bigint];
    const out = getAmountOut(got0, q0, q1);
    await (await token0.getFunction("transfer")(pairAddr, got0)).wait();
    await (await pair.getFunction("swap")(0n, out, meAddr, "0x")).wait();
    const received = Number(((await token1.getFunction("balanceOf")(meAddr)) as bigint) - t1Before) / 1e18;
    const onChainCost = 1 - received / fair;
    const tvl = (Number(r1) / 1e18) * 2; // in token1 units
    const modelled = lpExitCost(fair, tvl, tvl / 2, 30);
    expect(onChainCost).to.be.greaterThan(0.0015);
    expect(modelled).to.be.closeTo(onChainCost, 1e-6);
  });
});
