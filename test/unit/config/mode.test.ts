import { expect } from "chai";
import { parseConfig } from "../../../src/config/load.ts";

const rpc = { chain: { rpcUrls: [{ env: "KEEL_RPC_URL" }] } };

describe("execution.mode (shadow before live)", () => {
  it("a config with an RPC URL and no mode is shadow: a new deployment decides and sends nothing", () => {
    expect(parseConfig(rpc, "t").config.execution.mode).to.equal("shadow");
    expect(parseConfig({ ...rpc, execution: { route: "auto" } }, "t").config.execution.mode).to.equal("shadow");
  });

  it("going live is the explicit `mode: live`", () => {
    expect(parseConfig({ ...rpc, execution: { mode: "live" } }, "t").config.execution.mode).to.equal("live");
  });

  it("the embedded devnet (no RPC URL) is live unless the config says shadow", () => {
    expect(parseConfig({}, "t").config.execution.mode).to.equal("live");
    expect(parseConfig({ chain: { rpcUrls: [] } }, "t").config.execution.mode).to.equal("live");
    expect(parseConfig({ execution: { route: "direct" } }, "t").config.execution.mode).to.equal("live");
    expect(parseConfig({ execution: { mode: "shadow" } }, "t").config.execution.mode).to.equal("shadow");
  });

  it("refuses any other mode, naming the path", () => {
    expect(() => parseConfig({ ...rpc, execution: { mode: "on" } }, "t"))
      .to.throw()
      .with.property("issues")
      .that.satisfies((issues: { path: string }[]) => issues.some((i) => i.path === "execution.mode"));
  });
});
