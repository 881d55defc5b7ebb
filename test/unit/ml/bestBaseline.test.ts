// The `best` baseline: each source by the method with the lowest walk-forward error on its own
// history (per source, not pooled), its kind's default until it can be scored.
import { expect } from "chai";
import type { SourceKind } from "../../../src/domain/snapshot.ts";
import { BASELINE_BY_KIND, bestMethodFor, createBestBaseline } from "../../../src/ml/bestBaseline.ts";
import { hourly, observed } from "./helpers.ts";

const T0 = Date.UTC(2024, 0, 1) / 1000;
const DAY = 86_400;

function withKinds(o: ReturnType<typeof observed>, kinds: Record<string, SourceKind>) {
  return {
    ...o,
    snapshot: { ...o.snapshot, sources: o.snapshot.sources.map((s) => ({ ...s, kind: kinds[s.id] ?? s.kind })) },
  };
}

describe("best baseline per source", () => {
  const at = T0 + 160 * DAY;
  // A steady climb (ARIMA follows the trend, averages lag) and a daily random walk (seeded: the
  // last rate is the best guess of the next).
  const climbing = hourly(T0, 160 * 24, (h) => 2 + (h / 24) * 0.05);
  let seed = 7;
  let level = 5;
  const walkDays = Array.from({ length: 161 }, () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    level += seed / 2_147_483_648 - 0.5;
    return level;
  });
  const walking = hourly(T0, 160 * 24, (h) => walkDays[Math.floor(h / 24)] as number);

  it("picks, for each source, the method with the lowest error on that source's own history", async () => {
    const input = { ...observed(at, { climbing, walking }), horizonDays: 7 };
    const out = await createBestBaseline().forecast(input);
    expect(out.climbing?.forecaster)
      .to.equal(bestMethodFor(climbing, at, 7)?.name)
      .and.equal("arima");
    expect(out.walking?.forecaster)
      .to.equal(bestMethodFor(walking, at, 7)?.name)
      .and.equal("persistence");
  });

  it("uses the kind's best method from the evaluation while a source's history is too short to score", async () => {
    const young = hourly(at - 3 * DAY, 72, () => 4);
    const input = { ...withKinds(observed(at, { lend: young, pool: young }), { pool: "lp" }), horizonDays: 7 };
    expect(bestMethodFor(young, at, 7)).to.equal(undefined);
    const out = await createBestBaseline().forecast(input);
    expect(out.lend?.forecaster).to.equal(BASELINE_BY_KIND.lending);
    expect(out.pool?.forecaster).to.equal(BASELINE_BY_KIND.lp);
    expect(out.lend?.p50).to.be.closeTo(4, 1e-9);
  });
});
