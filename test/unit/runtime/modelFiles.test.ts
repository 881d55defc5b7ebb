// The shipped models are found from any working directory: the devnet walkthrough (run from an
// operator's folder) served the baseline with "model file models/keel-lstm/model.onnx not found".
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";

const FORECASTERS = new URL("../../../src/runtime/forecasters.ts", import.meta.url).pathname;
const POLICY = new URL("../../../src/runtime/policy.ts", import.meta.url).pathname;
const LOGGER = new URL("../../../src/observability/logger.ts", import.meta.url).pathname;

/** Builds the forecasters and the policy from the config's default paths, in a folder without models. */
function loadFrom(cwd: string): { model: boolean; linear: boolean; policy: boolean; reason?: string } {
  const script = `
    const { buildForecasters } = await import(${JSON.stringify(FORECASTERS)});
    const { buildPolicy } = await import(${JSON.stringify(POLICY)});
    const { createLogger } = await import(${JSON.stringify(LOGGER)});
    const logger = createLogger({ level: "silent", format: "json" });
    const f = await buildForecasters({ path: "models/keel-lstm/model.onnx", linearPath: "models/keel-lstm/linear.json", baseline: "best" }, { logger });
    const p = await buildPolicy({ optimizer: "policy", path: "models/keel-ppo/policy.onnx" }, { logger });
    console.log(JSON.stringify({ model: f.model !== undefined, linear: f.linear !== undefined, policy: p.policy !== undefined, reason: f.modelUnavailableReason ?? p.unavailableReason }));
  `;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd, encoding: "utf8" });
  return JSON.parse(out.trim().split("\n").at(-1) ?? "{}");
}

describe("model files named by relative paths", function () {
  this.timeout(60_000);

  it("the defaults load the shipped model, linear model and policy from a working directory without them", () => {
    const elsewhere = mkdtempSync(join(tmpdir(), "keel-cwd-"));
    expect(loadFrom(elsewhere)).to.deep.equal({ model: true, linear: true, policy: true });
  });
});
