import { readFileSync } from "node:fs";
import { expect } from "chai";
import { parse } from "yaml";
import { defaultsYaml } from "../../../scripts/config-defaults.ts";
import { parseConfig } from "../../../src/config/load.ts";

describe("config/defaults.yaml", () => {
  it("is exactly what the schema's defaults print (regenerate with scripts/config-defaults.ts)", () => {
    expect(readFileSync(new URL("../../../config/defaults.yaml", import.meta.url), "utf8")).to.equal(defaultsYaml());
  });

  it("is itself a valid configuration with the same hash as no configuration at all, but for the devnet's live mode", () => {
    const text = readFileSync(new URL("../../../config/defaults.yaml", import.meta.url), "utf8");
    // An empty config runs the embedded devnet, which is live unless told otherwise; the schema says shadow.
    expect(parseConfig(parse(text), "defaults.yaml").hash).to.equal(
      parseConfig({ execution: { mode: "shadow" } }, "empty").hash,
    );
    expect(parseConfig({}, "empty").config.execution.mode).to.equal("live");
  });
});
