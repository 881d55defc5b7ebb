// Loaded with `node --import` into a chaos daemon: swaps one src module for a seeded mutant, chosen by
// KEEL_CHAOS_MUTANT, so the chaos run can show it catches that bug without a test switch in src/.
import { registerHooks } from "node:module";

const MUTANTS: Readonly<Record<string, { readonly module: string; readonly file: string }>> = {
  // The relayer-outage bug class: trust the chain's pending nonce alone (no local or stored reservations).
  "nonce-chain-pending-only": { module: "/src/execution/nonces.ts", file: "./nonceChainPendingOnly.ts" },
};

const mutant = MUTANTS[process.env.KEEL_CHAOS_MUTANT ?? ""];
if (mutant) {
  const replacement = new URL(mutant.file, import.meta.url).href;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const resolved = nextResolve(specifier, context);
      return resolved.url.endsWith(mutant.module) ? { ...resolved, url: replacement } : resolved;
    },
  });
  process.stderr.write(`chaos: mutant ${process.env.KEEL_CHAOS_MUTANT} in place of ${mutant.module}\n`);
}
