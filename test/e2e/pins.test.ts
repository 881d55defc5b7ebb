import { expect } from "chai";
import { JsonRpcProvider } from "ethers";
import { EIP1967_IMPLEMENTATION_SLOT } from "../../src/adapters/ethers/protocolReader.ts";
import { parseConfig } from "../../src/config/load.ts";
import type { SourcePins } from "../../src/domain/protocolPins.ts";
import { runKeel, tempStateDir } from "../support/daemon.ts";
import { type ExternalDevnet, liveConfig, startExternalDevnet } from "../support/externalDevnet.ts";

describe("keel pins against keel devnet", function () {
  this.timeout(120_000);
  let devnet: ExternalDevnet | undefined;
  after(async () => devnet?.stop());

  it("prints the monitor section of the running deployment, which the config accepts as it is", async () => {
    devnet = await startExternalDevnet();
    const config = liveConfig(tempStateDir("keel-pins-"), devnet);
    const out = await runKeel(["pins", "--config", config, "--json"], { KEEL_TEST_RPC: devnet.rpcUrl });
    expect(out.code, out.stderr).to.equal(0);
    const { monitor } = JSON.parse(out.stdout) as { monitor: { sources: SourcePins[] } };
    expect(monitor.sources).to.have.length(4);
    const chain = new JsonRpcProvider(devnet.rpcUrl, undefined, { staticNetwork: true });
    try {
      const proxied = monitor.sources.filter((p) => p.proxies.length > 0);
      // Yield Vault B (OpenZeppelin transparent proxy) and the Aave pool (Aave's own EIP-1967 proxy).
      expect(proxied).to.have.length(2);
      for (const p of proxied) {
        const slot = await chain.getStorage(p.proxies[0]!.address, EIP1967_IMPLEMENTATION_SLOT);
        expect(p.proxies[0]!.implementation.toLowerCase()).to.equal(`0x${slot.slice(-40)}`);
      }
      const lending = monitor.sources.find((p) => p.aaveReserve);
      expect(lending?.calls.map((c) => `${c.kind}:${c.function}`)).to.include.members([
        "admin:owner()",
        "oracle_replaced:getPriceOracle()",
        "oracle_replaced:getSourceOfAsset(address)",
      ]);
      const lp = monitor.sources.find((p) => p.feeds.length > 0);
      expect(lp?.feeds.map((f) => f.address)).to.deep.equal([devnet.deployment.oracles["kWETH/USD"]]);
    } finally {
      chain.destroy();
    }
    const parsed = parseConfig({ monitor }, "pins").config.monitor;
    expect(parsed.sources.map((p) => p.source)).to.deep.equal(monitor.sources.map((p) => p.source));
  });
});
