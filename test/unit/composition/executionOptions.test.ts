// The execution core's options from one config (src/composition/executionOptions.ts): the daemon builds its core
// with `executionCoreOptions`, the backtest with `backtestExecutionOptions` — the same options on the direct route.
import { expect } from "chai";
import { keelOptions } from "../../../src/backtest/engine.ts";
import { SIM_ALLOCATOR } from "../../../src/backtest/simChain.ts";
import { backtestExecutionOptions, executionCoreOptions } from "../../../src/composition/executionOptions.ts";
import { parseConfig } from "../../../src/config/load.ts";

const ALLOCATOR = "0x1000000000000000000000000000000000000001";

const configWith = (raw: Record<string, unknown>) => parseConfig(raw, "execution options").config;

describe("execution core options", () => {
  it("maps the config: routing, confirmations, gas buffer, receipt wait, replacement under the fee cap", () => {
    const config = configWith({
      chain: { confirmations: 3 },
      strategy: { maxGasPriceGwei: 150 },
      execution: { route: "direct", gasLimitBufferBps: 1_500, receiptTimeoutMs: 60_000 },
    });
    expect(executionCoreOptions(config, ALLOCATOR)).to.deep.equal({
      allocator: ALLOCATOR,
      routing: { route: "direct", inBoundsRoute: "bundle" },
      confirmations: 3,
      gasLimitBufferBps: 1_500,
      receiptTimeoutMs: 60_000,
      replace: { stuckAfterMs: 60_000, bumpBps: 1_250, maxFeePerGasWei: 150_000_000_000n },
      adoptChainHistory: false,
      settleTimeoutMs: 60_000,
    });
  });

  it("carries the bundle route's options only when the routing uses it", () => {
    const bundled = configWith({ execution: { route: "auto", inBoundsRoute: "bundle" } });
    expect(executionCoreOptions(bundled, ALLOCATOR).bundle).to.include({
      blocks: bundled.execution.bundle.blocks,
      allowPublicFallback: bundled.execution.bundle.allowPublicFallback,
    });
    const direct = configWith({ execution: { route: "auto", inBoundsRoute: "direct" } });
    expect(executionCoreOptions(direct, ALLOCATOR)).to.not.have.property("bundle");
  });

  it("gives the backtest the daemon's options from the same config, on the direct route (no relay, no Safe)", () => {
    for (const execution of [{ route: "direct" }, { route: "auto", inBoundsRoute: "bundle" }, { route: "safe" }]) {
      const config = configWith({ chain: { confirmations: 4 }, execution });
      const { bundle: _bundle, ...daemon } = executionCoreOptions(config, ALLOCATOR);
      expect(backtestExecutionOptions(config, ALLOCATOR), execution.route).to.deep.equal({
        ...daemon,
        routing: { route: "direct", inBoundsRoute: "direct" },
      });
    }
  });

  it("is what the backtest's keeper is built with, against the simulated chain's allocator", () => {
    const config = configWith({ execution: { route: "auto", inBoundsRoute: "bundle" } });
    expect(keelOptions(config).execution).to.deep.equal(backtestExecutionOptions(config, SIM_ALLOCATOR));
  });
});
