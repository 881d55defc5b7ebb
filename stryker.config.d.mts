/** Types of stryker.config.mjs for the TypeScript that imports it (bench/mutation.bench.ts). */
/** Mutated files (a `:from-to` suffix is a line range) by the module name the bench reports. */
export declare const MODULES: Record<string, readonly string[]>;
declare const config: Record<string, unknown>;
export default config;
