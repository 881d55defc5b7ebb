// Deploys keel's contracts (vault, allocator, adapters) over existing protocol addresses on any network.
// Usage: node src/cli/deploy-suite.ts --rpc URL --spec spec.json --key-file deployer.key [--out file.json]
//        (or --key-env VAR). The suite's addresses are printed as one JSON document on stdout; progress on stderr.
import { writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { JsonRpcProvider, Wallet } from "ethers";
import { z } from "zod";
import { readSecret, redact } from "../config/secrets.ts";
import { deployKeelSuite, type SuiteOptions } from "../devnet/deploy/suite.ts";
import { ConfigError, exitCodeFor, KeelError } from "../domain/errors.ts";
import { printError, printJson } from "./output.ts";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "an 0x-prefixed 20-byte address");
const units = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform((v) => BigInt(v));
/** Decimal units within [min, max]. */
const ranged = (min: bigint, max: bigint, what: string) =>
  units.refine((v) => v >= min && v <= max, `${what}: between ${min} and ${max}`);
const bps = ranged(0n, 10_000n, "basis points");
const DAY = 86_400n;

/** The deployment spec (bigints as decimal strings). */
export const suiteSpecSchema = z
  .object({
    asset: address,
    vaultName: z.string().min(1),
    vaultSymbol: z.string().min(1),
    // 0 would leave the vault open to the donation / inflation attack.
    decimalsOffset: z.number().int().min(1).max(18),
    manager: address,
    keeper: address,
    guardian: address,
    sentinel: address.optional(),
    depositCapUnits: units.optional(),
    adapterCapBps: bps.optional(),
    adapterCaps: z.object({ absoluteCap: units, maxInflow: units, maxOutflow: units }).partial().strict().optional(),
    timelockSeconds: ranged(0n, 30n * DAY, "seconds").optional(),
    profitUnlockSeconds: ranged(0n, 30n * DAY, "seconds").optional(),
    bounds: z
      .object({
        maxMoveBps: bps,
        maxLossBps: bps,
        cooldownSeconds: ranged(0n, 30n * DAY, "seconds"),
        maxRebalancesPerDay: ranged(0n, 32n, "rebalances"),
        minIdleBps: bps,
        maxDeviationBps: bps,
      })
      .partial()
      .strict()
      .optional(),
    budgets: z.object({ maxDailyLossBps: bps, maxDailyFlowBps: units }).partial().strict().optional(),
    sources: z
      .array(
        z.discriminatedUnion("kind", [
          z.object({ kind: z.literal("vault"), name: z.string(), target: address }).strict(),
          z.object({ kind: z.literal("lending"), name: z.string(), pool: address, aToken: address }).strict(),
          z
            .object({
              kind: z.literal("lp"),
              name: z.string(),
              pair: address,
              baseFeed: address,
              otherFeed: address,
              // The adapter's own limits: a feed may be up to 7 days old, a swap may miss the oracle by up to 10 %.
              maxOracleAgeSeconds: ranged(1n, 7n * DAY, "seconds"),
              slippageBps: ranged(1n, 1_000n, "basis points"),
            })
            .strict(),
        ]),
      )
      .max(8),
  })
  .strict();

/** Parses a spec into `deployKeelSuite` options; throws ConfigError naming the field. */
export function parseSuiteSpec(raw: unknown): SuiteOptions {
  const r = suiteSpecSchema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
    throw new ConfigError(
      `invalid deployment spec: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
      issues,
    );
  }
  // exactOptionalPropertyTypes: drop the keys zod left undefined, at both levels.
  const defined = (o: object): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(o)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, v && typeof v === "object" && !Array.isArray(v) ? defined(v) : v]),
    );
  return defined(r.data) as unknown as SuiteOptions;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rpc: { type: "string" },
      spec: { type: "string" },
      "key-file": { type: "string" },
      "key-env": { type: "string" },
      out: { type: "string" },
    },
  });
  if (!values.rpc || !values.spec || (!values["key-file"] && !values["key-env"])) {
    throw new ConfigError("usage: deploy-suite --rpc URL --spec FILE (--key-file FILE | --key-env VAR) [--out FILE]");
  }
  const spec = parseSuiteSpec(JSON.parse(await readFile(values.spec, "utf8")));
  const key = readSecret(values["key-file"] ? { file: values["key-file"] } : { env: values["key-env"] as string });
  const provider = new JsonRpcProvider(values.rpc, undefined, { cacheTimeout: -1 });
  const suite = await deployKeelSuite(new Wallet(key, provider), spec);
  const chainId = Number((await provider.getNetwork()).chainId);
  const out = { chainId, ...suite };
  if (values.out) writeFileSync(values.out, `${JSON.stringify(out, null, 2)}\n`);
  printJson(out);
  provider.destroy();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    if (err instanceof KeelError) printError(err);
    else printError(new Error(redact(err instanceof Error ? err.message : String(err))));
    process.exit(exitCodeFor(err));
  });
}
