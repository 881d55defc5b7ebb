// Mutation testing (StrykerJS) of the code that moves money: `npm run mutation`. Not part of `npm test`
// or CI (minutes, not seconds); `npm run bench -- mutation` runs it and prints the score per module.
// Stryker instruments the .ts sources in a sandbox copy and Node strips the types itself, as in every
// other run of keel: no build step, no TypeScript checker (a mutant that does not type-check still runs).
// Scores, surviving mutants and what was done with each: docs/mutation.md.

/** Modules mutated, by the name the bench reports them under. Keep in step with docs/mutation.md. */
export const MODULES = {
  nonceManager: ["src/execution/nonces.ts"],
  intentStore: [
    "src/execution/memoryIntentStore.ts",
    "src/execution/intentStates.ts",
    "src/adapters/execution/intentStore.ts",
  ],
  reconcile: ["src/execution/reconcile.ts"],
  replace: ["src/execution/replace.ts"],
  router: ["src/execution/router.ts"],
  gasCheck: ["src/pipeline/gasCheck/gasCheck.ts", "src/pipeline/gasCheck/gasModel.ts", "src/pipeline/gasCheck/fees.ts"],
  // The risk gate's triggers: the trigger policy and kill-switch (riskGate.ts), and the rules that fire
  // a trigger: exploit (anomaly.ts), depeg pause (depeg.ts), drawdown (portfolio.ts, checkPortfolio's head).
  riskGateTriggers: [
    "src/pipeline/riskGate/riskGate.ts",
    "src/pipeline/riskGate/anomaly.ts",
    "src/pipeline/riskGate/depeg.ts",
    "src/pipeline/riskGate/portfolio.ts:50-72",
  ],
};

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: "npm",
  testRunner: "mocha",
  // The unit tests of these modules (same mocha as `npm run test:unit`: no .mocharc, defaults).
  mochaOptions: {
    spec: [
      "test/unit/execution/**/*.test.ts",
      "test/unit/gas/**/*.test.ts",
      "test/unit/risk/**/*.test.ts",
      "test/unit/pipeline/**/*.test.ts",
    ],
    // Reads the gate's source text for reason codes, which the instrumented sandbox copy no longer matches.
    ignore: ["test/unit/risk/codes.test.ts"],
  },
  coverageAnalysis: "perTest",
  // ESM cannot be reloaded between runs; static mutants (module-level constants) run with every test once.
  ignoreStatic: false,
  mutate: Object.values(MODULES).flat(),
  concurrency: Number(process.env.KEEL_STRYKER_CONCURRENCY ?? 2),
  timeoutMS: 10_000,
  reporters: ["clear-text", "progress", "json", "html"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  tempDirName: ".stryker-tmp",
  cleanTempDir: true,
  thresholds: { high: 90, low: 75, break: null },
};
