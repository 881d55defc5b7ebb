// Deploys keel's contracts (vault, allocator, adapters) over existing protocol addresses on any network.
// Usage: node src/devnet/deploy/deploy-suite.ts --rpc URL --spec spec.json --key-file deployer.key [--out file.json]
//        (or --key-env VAR). The suite's addresses are printed as one JSON document on stdout; progress on stderr.
import { writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { JsonRpcProvider, Wallet } from "ethers";
import { z } from "zod";
import { printError, printJson } from "../../cli/output.ts";
import { readSecret, redact } from "../../config/secrets.ts";
import { ConfigError, exitCodeFor, KeelError } from "../../domain/errors.ts";
import { deployKeelSuite, type SuiteOptions } from "./suite.ts";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "an 0x-prefixed 20-byte address");
const units = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform((v) => BigInt(v));

/** The deployment spec (bigints as decimal strings). */
export const suiteSpecSchema = z
  .object({
    asset: address,
    vaultName: z.string().min(1),
    vaultSymbol: z.string().min(1),
    decimalsOffset: z.number().int().min(0).max(18),
    manager: address,
    keeper: address,
    guardian: address,
    depositCapUnits: units.optional(),
    adapterCapBps: units.optional(),
    bounds: z
      .object({
        maxMoveBps: units,
        maxLossBps: units,
        cooldownSeconds: units,
        maxRebalancesPerDay: units,
        minIdleBps: units,
        maxDeviationBps: units,
      })
      .partial()
      .strict()
      .optional(),
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
              maxOracleAgeSeconds: units,
              slippageBps: units,
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
  const { bounds, depositCapUnits, adapterCapBps, ...rest } = r.data;
  const cleanBounds = bounds
    ? Object.fromEntries(Object.entries(bounds).filter(([, v]) => v !== undefined))
    : undefined;
  return {
    ...rest,
    ...(depositCapUnits === undefined ? {} : { depositCapUnits }),
    ...(adapterCapBps === undefined ? {} : { adapterCapBps }),
    ...(cleanBounds === undefined ? {} : { bounds: cleanBounds }),
  };
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
