import { expect } from "chai";
import type { Plan } from "../../../src/domain/decision.ts";
import { chooseRoute } from "../../../src/pipeline/execute/route.ts";

const plan = (needsApproval = false): Plan => ({
  targetWeights: {},
  moves: [{ sourceId: "0x1", direction: "deposit", amount: 1n }],
  gainP10Usd: 1,
  gainP50Usd: 1,
  slippageUsd: 0,
  needsApproval,
});

describe("routing rule", () => {
  const auto = { route: "auto", inBoundsRoute: "bundle" } as const;

  it("sends moves inside the keeper bounds by the in-bounds route", () => {
    expect(chooseRoute(auto, plan(), undefined)).to.equal("bundle");
    expect(chooseRoute({ route: "auto", inBoundsRoute: "direct" }, plan(), undefined)).to.equal("direct");
  });

  it("proposes to the Safe what the keeper bounds refuse on size or loss", () => {
    for (const e of ["MoveTooLarge", "LossTooHigh", "IdleBelowMinimum", "AdapterCapExceeded"]) {
      expect(chooseRoute(auto, plan(), e)).to.equal("safe");
    }
  });

  it("does not escalate rate limits or other reverts to the Safe (waiting fixes them)", () => {
    expect(chooseRoute(auto, plan(), "CooldownActive")).to.equal("bundle");
    expect(chooseRoute(auto, plan(), "VaultPaused")).to.equal("bundle");
  });

  it("proposes whatever the risk gate wants a human to approve", () => {
    expect(chooseRoute(auto, plan(true), undefined)).to.equal("safe");
  });

  it("uses a fixed route as configured", () => {
    expect(chooseRoute({ route: "direct", inBoundsRoute: "bundle" }, plan(true), "MoveTooLarge")).to.equal("direct");
  });
});
