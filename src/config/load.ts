import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { canonicalJson } from "../domain/commitment.ts";
import { ConfigError } from "../domain/errors.ts";
import { configSchema, type KeelConfig } from "./schema.ts";

/** A loaded configuration with its hash (of the validated values) and where it came from. */
export interface LoadedConfig {
  readonly config: KeelConfig;
  readonly hash: string;
  readonly source: string;
  /** True when no RPC URL is configured: keel runs on its embedded devnet. */
  readonly devnet: boolean;
}

const ENV_PREFIX = "KEEL__";

/** Reads a JSON or YAML file into a plain object; problems are ConfigErrors naming the file. */
export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as NodeJS.ErrnoException).code ?? "error"}`);
  }
  try {
    return path.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(`config file ${path} does not parse: ${(err as Error).message.split("\n")[0]}`);
  }
}

/**
 * Environment overrides: `KEEL__HTTP__PORT=9000` sets `http.port`. Values are parsed as JSON when
 * they parse (numbers, booleans, arrays) and taken as strings otherwise.
 */
export function applyEnvOverrides(raw: unknown, env: NodeJS.ProcessEnv): unknown {
  const out = structuredClone((raw ?? {}) as Record<string, unknown>);
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined) continue;
    const path = name
      .slice(ENV_PREFIX.length)
      .split("__")
      .map((p) => p.toLowerCase().replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()));
    let node = out;
    for (const key of path.slice(0, -1)) {
      if (typeof node[key] !== "object" || node[key] === null) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    let parsed: unknown = value;
    try {
      parsed = JSON.parse(value);
    } catch {
      // not JSON: keep the string
    }
    node[path.at(-1) as string] = parsed;
  }
  return out;
}

function issuesOf(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: i.path.length > 0 ? i.path.join(".") : "(root)", message: i.message }));
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * The embedded devnet (no RPC URL) is a throwaway chain keel starts itself: it runs `execution.mode: live`
 * unless the config says otherwise. Every config with an RPC URL keeps the schema's default, `shadow`.
 */
function embeddedDevnetLive(raw: unknown): unknown {
  if (typeof raw !== "object" || raw === null) return raw;
  const { chain, execution } = raw as { chain?: { rpcUrls?: unknown }; execution?: { mode?: unknown } };
  const urls = chain?.rpcUrls;
  if ((Array.isArray(urls) && urls.length > 0) || (urls !== undefined && !Array.isArray(urls))) return raw;
  if (execution !== undefined && (typeof execution !== "object" || execution === null || execution.mode !== undefined))
    return raw;
  return { ...raw, execution: { ...execution, mode: "live" } };
}

/** Validates a raw object; throws a ConfigError listing every problem with its path. */
export function parseConfig(raw: unknown, source: string): LoadedConfig {
  const result = configSchema.safeParse(embeddedDevnetLive(raw ?? {}));
  if (!result.success) {
    throw new ConfigError(`invalid configuration in ${source}`, issuesOf(result.error));
  }
  const config = deepFreeze(result.data);
  const hash = createHash("sha256").update(canonicalJson(config)).digest("hex").slice(0, 16);
  return { config, hash, source, devnet: config.chain.rpcUrls.length === 0 };
}

/** Loads from a file (or defaults when none) plus environment overrides. */
export function loadConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const raw = path === undefined ? {} : readConfigFile(path);
  return parseConfig(applyEnvOverrides(raw, env), path ?? "defaults");
}

/**
 * A config without an RPC URL runs on the embedded devnet. One that also names live contracts or
 * keys was meant for a live chain (an RPC URL forgotten or misspelled): each such path is a problem.
 */
export function devnetFallbackIssues(config: KeelConfig): { path: string; message: string }[] {
  if (config.chain.rpcUrls.length > 0) return [];
  const { contracts, execution } = config;
  const named: [string, unknown][] = [
    ["contracts.vault", contracts.vault],
    ["contracts.allocator", contracts.allocator],
    ["contracts.oracles", Object.keys(contracts.oracles).length > 0 ? contracts.oracles : undefined],
    ["execution.keeper", execution.keeper],
    ["execution.guardian", execution.guardian],
    ["execution.manager", execution.manager],
    ["execution.safe.address", execution.safe.address],
    ["execution.safe.proposer", execution.safe.proposer],
  ];
  return named
    .filter(([, value]) => value !== undefined)
    .map(([path]) => ({
      path,
      message: "names a live contract or key, but chain.rpcUrls is empty, so keel would run on its embedded devnet",
    }));
}

/** Refuses a config that would fall back to the devnet while naming live contracts or keys (see `devnetFallbackIssues`). */
export function assertNoDevnetFallback(loaded: LoadedConfig): void {
  const issues = devnetFallbackIssues(loaded.config);
  if (issues.length > 0)
    throw new ConfigError(`${loaded.source}: no RPC URL, yet live contracts or keys are configured`, issues);
}
