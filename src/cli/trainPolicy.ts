import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { readDataset } from "../adapters/dataset/reader.ts";
import { writeFileAtomic } from "../adapters/fs/atomicFile.ts";
import { selectSources } from "../backtest/config.ts";
import { backtestStageOptions } from "../backtest/engine.ts";
import { knownView } from "../backtest/known.ts";
import { loadConfig } from "../config/load.ts";
import type { Forecast } from "../domain/decision.ts";
import { KeelError } from "../domain/errors.ts";
import { tfWasm } from "../ml/tfBackend.ts";
import { createLogger } from "../observability/logger.ts";
import { datasetBefore, type Universe } from "../rl/env.ts";
import { defaultPolicyTrainOptions, type ForecastCache, trainPolicy } from "../rl/train.ts";
import { buildForecasters } from "../runtime/forecasters.ts";
import { parseDay, writeAtomic } from "./train.ts";

/** Options of `keel train-policy` (see src/main.ts). */
export interface TrainPolicyCommandOptions {
  readonly data: string;
  readonly out: string;
  readonly seed: number;
  readonly end?: string;
  readonly iterations?: number;
  readonly config?: string;
  readonly bases: string;
  readonly basket?: boolean;
  readonly cache?: string;
}

const DECIMALS: Readonly<Record<string, number>> = { USDC: 6, USDT: 6, DAI: 18, WETH: 18, USDE: 18 };

/**
 * The vaults the policy trains for: per base asset, the pools the config's adapters reach (as `keel
 * backtest` selects them), and with `basket` a USDC vault holding every stablecoin lending pool (training
 * variety only: the adapters cannot reach them without a swap leg).
 */
function universes(
  data: Awaited<ReturnType<typeof readDataset>>,
  bt: ReturnType<typeof loadConfig>["config"]["backtest"],
  o: TrainPolicyCommandOptions,
): Universe[] {
  const bases = o.bases
    .split(",")
    .map((b) => b.trim().toUpperCase())
    .filter((b) => b !== "");
  const out: Universe[] = bases.map((base) => {
    const decimals = DECIMALS[base] ?? 18;
    return {
      name: base,
      baseAsset: base,
      decimals,
      pools: selectSources(data, { ...bt, baseAsset: base, decimals }).pools,
    };
  });
  if (o.basket) {
    const stable = new Set(bt.stablecoins.map((s) => s.toUpperCase()));
    const pools = data.pools.filter((p) => p.kind === "lending" && stable.has(p.asset.toUpperCase()));
    out.push({ name: "stablecoin-basket", baseAsset: "USDC", decimals: 6, pools });
  }
  return out.filter((u) => u.pools.length > 0);
}

/** Forecast paths kept as JSON in `dir`, keyed by universe, cut-off, forecaster config and pools. */
function fileCache(dir: string, key: string): ForecastCache {
  mkdirSync(dir, { recursive: true });
  const file = (u: Universe) =>
    join(
      dir,
      `${u.name}-${createHash("sha256")
        .update(`${key}|${u.pools.map((p) => p.poolId).join(",")}`)
        .digest("hex")
        .slice(0, 16)}.json`,
    );
  return {
    load(u) {
      const f = file(u);
      if (!existsSync(f)) return undefined;
      return new Map(JSON.parse(readFileSync(f, "utf8")) as [number, Forecast][]);
    },
    save(u, path) {
      writeFileAtomic(file(u), JSON.stringify([...path]));
    },
  };
}

/**
 * `keel train-policy`: trains the PPO allocation policy on data up to `--end` (default 2024-06-30) in the
 * backtest's environment built from the config, and writes policy.onnx and policy.json (with the SHA-256 of
 * policy.onnx) to `--out`. Progress goes to stderr.
 */
export async function trainPolicyCommand(opts: TrainPolicyCommandOptions): Promise<void> {
  const endDay = parseDay(opts.end ?? "2024-06-30", "--end");
  const cutoff = endDay + 86_400;
  const log = (m: string) => process.stderr.write(`train-policy: ${m}\n`);
  const { config, hash } = loadConfig(opts.config);
  log(`reading ${opts.data}`);
  const full = await readDataset(opts.data);
  const data = datasetBefore(full, cutoff);
  const us = universes(full, config.backtest, opts);
  if (us.length === 0) throw new KeelError("BAD_INPUT", "no universe with sources to train on");
  const choice = backtestStageOptions(config).forecaster;
  const forecasters = await buildForecasters(
    { ...choice, notTrainedAfter: cutoff },
    { logger: createLogger({ level: "warn", format: "json" }) },
  );
  log(`forecaster: ${forecasters.model ? choice.path : `${choice.baseline} (${forecasters.modelUnavailableReason})`}`);
  const tf = await tfWasm();
  await mkdir(opts.out, { recursive: true });
  const cacheKey = `${cutoff}|${hash}|${forecasters.model?.hash ?? forecasters.baseline.hash}`;
  const { onnx, meta } = await trainPolicy(
    {
      ...defaultPolicyTrainOptions,
      endDay,
      seed: opts.seed,
      iterations: opts.iterations ?? defaultPolicyTrainOptions.iterations,
    },
    {
      tf,
      log,
      env: { data, known: knownView(data), config, forecasters },
      universes: us,
      ...(opts.cache ? { cache: fileCache(opts.cache, cacheKey) } : {}),
    },
  );
  const sha256 = createHash("sha256").update(onnx).digest("hex");
  await writeAtomic(join(opts.out, "policy.onnx"), onnx);
  const training = {
    ...(meta.training as object),
    dataset: opts.data,
    forecaster: forecasters.model?.hash ?? choice.baseline,
  };
  await writeAtomic(join(opts.out, "policy.json"), `${JSON.stringify({ ...meta, training, sha256 }, null, 2)}\n`);
  log(`wrote ${join(opts.out, "policy.onnx")} (sha256 ${sha256})`);
}
