// The forecast skill ledger in the SQLite store: entries survive a restart, a scored entry replaces
// its unscored self, old entries are pruned — and a predict stage on a reopened store picks up the
// skill it had measured.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { openStore } from "../../../src/adapters/store/store.ts";
import type { SourceForecast } from "../../../src/domain/decision.ts";
import { createPredictStage } from "../../../src/pipeline/predict/predict.ts";
import type { Forecaster } from "../../../src/ports/forecaster.ts";
import { hourly, observed, predictOptions } from "../ml/helpers.ts";

const T0 = Date.UTC(2024, 0, 1) / 1000;
const DAY = 86_400;

function fixed(name: string, p50: number): Forecaster {
  return {
    name,
    hash: name,
    async forecast(i) {
      const out: Record<string, SourceForecast> = {};
      for (const s of i.snapshot.sources) out[s.id] = { sourceId: s.id, p10: p50 - 1, p50, p90: p50 + 1 };
      return out;
    },
  };
}

describe("skill ledger in the store", () => {
  let dir = "";
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "keel-skill-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const open = () => openStore({ dir, retentionDays: 30, now: () => T0 * 1000 });

  it("keeps entries across a reopen, replaces an entry by its scored self, and prunes by origin time", () => {
    const a = open();
    const ledger = a.skillLedger();
    const e = { sourceId: "a", forecaster: "model", t: T0, p10: 1, p50: 2, p90: 3 };
    ledger.put([e, { ...e, t: T0 + DAY }]);
    ledger.put([{ ...e, actual: 2.5 }]);
    a.close();
    const b = open();
    const loaded = b
      .skillLedger()
      .load()
      .sort((x, y) => x.t - y.t);
    expect(loaded).to.deep.equal([
      { ...e, actual: 2.5 },
      { ...e, t: T0 + DAY },
    ]);
    b.skillLedger().prune(T0 + DAY);
    expect(
      b
        .skillLedger()
        .load()
        .map((x) => x.t),
    ).to.deep.equal([T0 + DAY]);
    b.close();
  });

  it("a predict stage on the reopened store serves by the skill measured before the restart", async () => {
    const opts = predictOptions(1, { skill: { windowDays: 7, minScored: 3 } });
    const history = { a: hourly(T0, 24 * 30, () => 3) };
    const run = async (stage: ReturnType<typeof createPredictStage>, day: number) => {
      const at = T0 + day * DAY;
      const r = await stage.run(observed(at, { a: history.a.filter((p) => p.t <= at) }), new AbortController().signal);
      if (r.status !== "ok") throw new Error("expected ok");
      return r.value.sources.a!.forecaster;
    };
    const deps = { model: fixed("model", 5), baseline: fixed("mean", 3) };
    const first = open();
    const before = createPredictStage(opts, { ...deps, ledger: first.skillLedger() });
    expect(await run(before, 10)).to.equal("model");
    for (let d = 11; d < 16; d++) await run(before, d);
    first.close();

    const second = open();
    const after = createPredictStage(opts, { ...deps, ledger: second.skillLedger() });
    expect(await run(after, 16)).to.equal("mean");
    second.close();
  });
});
