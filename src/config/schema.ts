import { z } from "zod";
import { backtestSection } from "./sections/backtest.ts";
import { chainSection } from "./sections/chain.ts";
import { contractsSection } from "./sections/contracts.ts";
import { executionSection } from "./sections/execution.ts";
import { modelSection } from "./sections/model.ts";
import { monitorSection } from "./sections/monitor.ts";
import { riskSection } from "./sections/risk.ts";
import { scheduleSection } from "./sections/schedule.ts";
import { devnetSection, httpSection, logSection, stateSection } from "./sections/service.ts";
import { strategySection } from "./sections/strategy.ts";

/** The whole configuration. Every default lives in the section schemas; unknown keys are rejected. */
export const configSchema = z.strictObject({
  chain: chainSection,
  contracts: contractsSection,
  schedule: scheduleSection,
  strategy: strategySection,
  risk: riskSection,
  monitor: monitorSection,
  execution: executionSection,
  model: modelSection,
  http: httpSection,
  state: stateSection,
  log: logSection,
  devnet: devnetSection,
  backtest: backtestSection,
});

/** A validated, frozen configuration. */
export type KeelConfig = z.infer<typeof configSchema>;
