// The one node-error translator: the daemon, the CLI, the Safe route and the tests decode reverts through
// `loadNodeErrors`, and it knows the custom errors of every contract a rebalance can bubble up — the
// Uniswap LP adapter's too (before, the daemon's codec knew only the allocator's and the vault's).
import { expect } from "chai";
import { Interface, type Provider } from "ethers";
import { loadArtifact } from "../../../src/adapters/ethers/artifacts.ts";
import { loadNodeErrors, REVERT_SOURCES } from "../../../src/adapters/ethers/nodeErrors.ts";
import { createAllocatorCodec } from "../../../src/adapters/execution/allocatorCodec.ts";
import { ethersChainReader } from "../../../src/adapters/execution/ethersPorts.ts";
import { KeelError } from "../../../src/domain/errors.ts";

/** What ethers throws for a reverted eth_call carrying `data`. */
const callException = (data: string) =>
  Object.assign(new Error("execution reverted"), { code: "CALL_EXCEPTION", data });
const lp = new Interface(loadArtifact("UniswapV2LpAdapter").abi);

/** Some value of a Solidity error parameter type (the tests only need it to encode). */
function sample(type: string): unknown {
  if (type === "address") return `0x${"11".repeat(20)}`;
  if (type === "bool") return false;
  if (type === "string") return "x";
  if (type === "bytes") return "0x22";
  const fixed = /^bytes(\d+)$/.exec(type);
  if (fixed) return `0x${"22".repeat(Number(fixed[1]))}`;
  if (/^u?int\d*$/.test(type)) return 1n;
  throw new Error(`no sample for ${type}`);
}

describe("node-error translator (one for the daemon, the CLI and the Safe route)", () => {
  it("decodes the Uniswap LP adapter's SpotDeviationTooHigh bubbling out of a rebalance simulation", () => {
    const data = lp.encodeErrorResult("SpotDeviationTooHigh", [600n, 500n]);
    const e = loadNodeErrors().translate(callException(data), "simulate");
    expect(e.code).to.equal("EXECUTION_REVERTED");
    expect(e.context.error).to.equal("SpotDeviationTooHigh");
    expect(e.message).to.equal("rebalance reverted at simulate: SpotDeviationTooHigh(600, 500)");
    expect(e.retryable).to.equal(false);
  });

  it("knows every custom error of the allocator, the vault and each adapter", () => {
    const errors = loadNodeErrors();
    let checked = 0;
    for (const name of REVERT_SOURCES) {
      const iface = new Interface(loadArtifact(name).abi);
      iface.forEachError((f) => {
        const data = iface.encodeErrorResult(
          f,
          f.inputs.map((i) => sample(i.type)),
        );
        expect(errors.decodeRevert(data)?.name, `${name}.${f.name}`).to.equal(f.name);
        checked++;
      });
    }
    expect(checked).to.be.greaterThan(30);
  });

  it("reaches the execution core decoded: the chain reader's simulation throws the LP adapter's error by name", async () => {
    const data = lp.encodeErrorResult("StaleOracle", [`0x${"ab".repeat(20)}`, 7n]);
    const provider = { call: async () => Promise.reject(callException(data)) } as unknown as Provider;
    const chain = ethersChainReader({
      provider,
      allocator: `0x${"a1".repeat(20)}`,
      codec: createAllocatorCodec(),
      errors: loadNodeErrors(),
    });
    const err = await chain.simulate({ from: `0x${"01".repeat(20)}`, to: `0x${"a1".repeat(20)}`, data: "0x" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(KeelError);
    expect((err as KeelError).context.error).to.equal("StaleOracle");
  });

  it("maps transport failures and a pause as the core expects (retryable RPC_UNAVAILABLE; paused revert is terminal)", () => {
    const errors = loadNodeErrors();
    const net = errors.translate(Object.assign(new Error("socket hang up"), { code: "NETWORK_ERROR" }), "send");
    expect([net.code, net.retryable]).to.deep.equal(["RPC_UNAVAILABLE", true]);
    const paused = errors.translate(
      callException(new Interface(["error EnforcedPause()"]).encodeErrorResult("EnforcedPause", [])),
      "simulate",
    );
    expect([paused.code, paused.context.paused]).to.deep.equal(["EXECUTION_REVERTED", true]);
  });
});
