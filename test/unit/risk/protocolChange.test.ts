import { expect } from "chai";
import type { ProtocolChangeKind, SourcePins, SourceReadings } from "../../../src/domain/protocolPins.ts";
import type { Snapshot } from "../../../src/domain/snapshot.ts";
import { decodeReserveConfiguration, protocolChanges } from "../../../src/pipeline/riskGate/protocolChange.ts";
import { assessRisk } from "../../../src/pipeline/riskGate/riskGate.ts";
import { lending, riskInput, riskOptions, snap } from "../../support/riskFixtures.ts";

const A = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;
const H = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
// Aave reserve: ltv 80 %, threshold 82.5 %, bonus 105 %, 6 decimals, active, borrowing on, reserve factor 10 %.
const CONFIG = 8_000n | (8_250n << 16n) | (10_500n << 32n) | (6n << 48n) | (1n << 56n) | (1n << 58n) | (1_000n << 64n);

/** Pins of every kind for source `a`; readings equal to the pins unless changed. */
function pins(): SourcePins {
  return {
    source: "a",
    proxies: [{ address: A(1), implementation: A(2), implementationCodeHash: H(3), admin: A(4) }],
    code: [{ address: A(5), codeHash: H(6) }],
    calls: [
      { address: A(5), function: "liquidity()", args: [], result: H(100), kind: "params" },
      { address: A(5), function: "owner()", args: [], result: H(7), kind: "admin" },
      { address: A(8), function: "getSourceOfAsset(address)", args: [A(9)], result: H(10), kind: "oracle_replaced" },
    ],
    aaveReserve: { pool: A(11), asset: A(9), configuration: CONFIG.toString(), interestRateStrategy: A(12) },
    feeds: [{ address: A(13), maxConstantRounds: 3 }],
  };
}

function readingsOf(p: SourcePins, change: (r: Mutable) => void = () => {}): SourceReadings {
  const r = structuredClone({
    ...p,
    feeds: p.feeds.map((f) => ({ address: f.address, answer: "1", constantRounds: 0 })),
  }) as unknown as Mutable;
  change(r);
  return r;
}
type Mutable = {
  proxies: { address: string; implementation: string; implementationCodeHash: string; admin: string }[];
  code: { address: string; codeHash: string }[];
  calls: {
    address: string;
    function: string;
    args: string[];
    result: string;
    kind: "params" | "admin" | "oracle_replaced";
  }[];
  aaveReserve?: { pool: string; asset: string; configuration: string; interestRateStrategy: string };
  feeds: { address: string; answer: string; constantRounds: number }[];
};

const kinds = (p: SourcePins, r: SourceReadings) => protocolChanges(p, r).map((c) => c.kind);

describe("protocol-change rule (pure)", () => {
  it("sees no change when every reading equals its pin (addresses and hashes compared case-insensitively)", () => {
    const p = pins();
    const r = readingsOf(p, (x) => {
      x.proxies[0]!.implementation = x.proxies[0]!.implementation.toUpperCase().replace("0X", "0x");
    });
    expect(protocolChanges(p, r)).to.deep.equal([]);
  });

  it("names each kind of change", () => {
    const p = pins();
    const cases: [(r: Mutable) => void, string[]][] = [
      [
        (r) => {
          r.proxies[0]!.implementation = A(99);
        },
        ["implementation"],
      ],
      [
        (r) => {
          r.proxies[0]!.implementationCodeHash = H(99);
        },
        ["implementation"],
      ],
      [
        (r) => {
          r.proxies[0]!.admin = A(99);
        },
        ["admin"],
      ],
      [
        (r) => {
          r.code[0]!.codeHash = H(99);
        },
        ["code"],
      ],
      [
        (r) => {
          r.calls[0]!.result = H(50);
        },
        ["params"],
      ],
      [
        (r) => {
          r.calls[1]!.result = H(99);
        },
        ["admin"],
      ],
      [
        (r) => {
          r.calls[2]!.result = "revert";
        },
        ["oracle_replaced"],
      ],
      [
        (r) => {
          r.aaveReserve!.configuration = (CONFIG | (1n << 57n)).toString();
        },
        ["reserve_frozen"],
      ],
      [
        (r) => {
          r.aaveReserve!.configuration = (CONFIG | (1n << 60n)).toString();
        },
        ["reserve_frozen"],
      ],
      [
        (r) => {
          r.aaveReserve!.configuration = (CONFIG & ~(1n << 56n)).toString();
        },
        ["reserve_frozen"],
      ],
      [
        (r) => {
          r.aaveReserve!.interestRateStrategy = A(99);
        },
        ["reserve_params"],
      ],
      [
        (r) => {
          r.feeds[0]!.constantRounds = 3;
        },
        ["oracle_constant"],
      ],
    ];
    for (const [change, want] of cases) expect(kinds(p, readingsOf(p, change)), String(change)).to.deep.equal(want);
  });

  it("tells a reserve-factor move (reserve_params, with old and new value) from a freeze", () => {
    const p = pins();
    const moved = (CONFIG & ~(0xffffn << 64n)) | (2_000n << 64n);
    const [c] = protocolChanges(
      p,
      readingsOf(p, (r) => {
        r.aaveReserve!.configuration = moved.toString();
      }),
    );
    expect(c?.kind).to.equal("reserve_params");
    expect(c?.message).to.include("reserveFactor 1000 → 2000");
  });

  it("does not count a feed below maxConstantRounds repeats as constant", () => {
    const p = pins();
    expect(
      kinds(
        p,
        readingsOf(p, (r) => {
          r.feeds[0]!.constantRounds = 2;
        }),
      ),
    ).to.deep.equal([]);
  });

  it("decodes Aave's reserve configuration fields", () => {
    const f = decodeReserveConfiguration(CONFIG | (1n << 57n));
    expect(f).to.include({ ltv: 8_000n, liquidationThreshold: 8_250n, decimals: 6n, active: 1n, frozen: 1n });
    expect(f.reserveFactor).to.equal(1_000n);
    expect(f.paused).to.equal(0n);
  });
});

describe("protocol-change rule in the risk gate", () => {
  const withReadings = (s: Snapshot, r: SourceReadings): Snapshot => ({ ...s, protocol: { a: r } });
  const withMonitor = (critical: ProtocolChangeKind[]) => ({
    ...riskOptions(),
    monitor: { critical, sources: [pins()] },
  });

  it("freezes a changed source with the kind's code, and exits it only when the kind is critical", () => {
    const p = pins();
    const s = withReadings(
      snap([lending("a", 500), lending("b", 0)], 500),
      readingsOf(p, (r) => {
        r.calls[0]!.result = H(1);
      }),
    );
    const frozen = assessRisk(withMonitor(["code"]), riskInput(s)).verdict;
    expect(frozen.frozen).to.deep.equal(["a"]);
    expect(frozen.forcedExits).to.deep.equal([]);
    const r = frozen.reasons.find((x) => x.code === "PROTOCOL_PARAMS_CHANGED");
    expect(r?.sourceId).to.equal("a");
    expect(r?.message).to.include("liquidity()");
    // The frozen source cannot grow: its cap is its current weight.
    expect(frozen.caps.a).to.be.at.most(0.5);

    const exited = assessRisk(withMonitor(["params"]), riskInput(s)).verdict;
    expect(exited.forcedExits).to.deep.equal(["a"]);
    expect(exited.reasons.map((x) => x.code)).to.include.members(["PROTOCOL_PARAMS_CHANGED", "PROTOCOL_CHANGE_EXIT"]);
    expect(exited.caps.a).to.equal(undefined);
  });

  it("judges nothing without readings (backtests) and nothing for an unchanged source", () => {
    const s = snap([lending("a", 500)], 500);
    const none = assessRisk(withMonitor(["params"]), riskInput(s)).verdict;
    expect(none.frozen).to.deep.equal([]);
    const same = assessRisk(withMonitor(["params"]), riskInput(withReadings(s, readingsOf(pins())))).verdict;
    expect(same.frozen).to.deep.equal([]);
    expect(same.reasons.filter((x) => x.code.startsWith("PROTOCOL_"))).to.deep.equal([]);
  });
});
