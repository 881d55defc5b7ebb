import { expect } from "chai";
import { parseConfig } from "../../../src/config/load.ts";

const A = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;
const HASH = `0x${"ab".repeat(32)}`;

/** A monitor section with one source carrying a pin of each shape. */
const pinned = (over: Record<string, unknown> = {}) => ({
  monitor: {
    sources: [
      {
        source: A(1),
        proxies: [{ address: A(2), implementation: A(3), implementationCodeHash: HASH, admin: A(0) }],
        code: [{ address: A(2), codeHash: HASH }],
        calls: [{ address: A(2), function: "getSourceOfAsset(address)", args: [A(4)], result: "revert" }],
        aaveReserve: { pool: A(5), asset: A(4), configuration: "379853409170944", interestRateStrategy: A(6) },
        feeds: [{ address: A(7), maxConstantRounds: 3 }],
        ...over,
      },
    ],
  },
});

describe("config: monitor section", () => {
  it("defaults: no pins, implementation / admin / code critical, the devnet pinned, feeds constant after 24 rounds", () => {
    const { monitor } = parseConfig({}, "t").config;
    expect(monitor).to.deep.equal({
      critical: ["implementation", "admin", "code"],
      sources: [],
      pinDevnet: true,
      feedMaxConstantRounds: 24,
    });
  });

  it("accepts every pin shape and fills a call's defaults (params kind)", () => {
    const [p] = parseConfig(pinned(), "t").config.monitor.sources;
    expect(p?.calls[0]?.kind).to.equal("params");
    expect(p?.calls[0]?.result).to.equal("revert");
    expect(p?.aaveReserve?.configuration).to.equal("379853409170944");
  });

  it("rejects a malformed hash, signature, configuration or kind, naming the path", () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ code: [{ address: A(2), codeHash: "0x1234" }] }, "monitor.sources.0.code.0.codeHash"],
      [{ calls: [{ address: A(2), function: "owner", result: "0x" }] }, "monitor.sources.0.calls.0.function"],
      [{ calls: [{ address: A(2), function: "owner()", result: "0x1" }] }, "monitor.sources.0.calls.0.result"],
      [
        { aaveReserve: { pool: A(5), asset: A(4), configuration: "-1", interestRateStrategy: A(6) } },
        "monitor.sources.0.aaveReserve.configuration",
      ],
      [{ feeds: [{ address: A(7), maxConstantRounds: 1 }] }, "monitor.sources.0.feeds.0.maxConstantRounds"],
    ];
    for (const [over, path] of bad) {
      expect(() => parseConfig(pinned(over), "t"), path)
        .to.throw()
        .with.property("issues")
        .that.satisfies((issues: { path: string }[]) => issues.some((i) => i.path === path));
    }
    expect(() => parseConfig({ monitor: { critical: ["everything"] } }, "t")).to.throw();
  });
});
