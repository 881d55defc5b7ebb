import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../adapters/fs/atomicFile.ts";

/** What a running daemon publishes in its state directory for the CLI and tests (no secrets). */
export interface RuntimeInfo {
  readonly pid: number;
  readonly startedAt: string;
  readonly chainId: number;
  readonly httpUrl: string;
  /** RPC endpoint of the embedded devnet (absent on a configured chain: URLs may carry keys). */
  readonly devnetRpcUrl?: string;
  readonly vault: string;
  readonly allocator: string;
  readonly configHash: string;
}

const FILE = "runtime.json";

/** Writes `<dir>/runtime.json` atomically; returns a remover. */
export function publishRuntime(dir: string, info: RuntimeInfo): () => void {
  writeFileAtomic(join(dir, FILE), `${JSON.stringify(info, null, 2)}\n`);
  return () => rmSync(join(dir, FILE), { force: true });
}

/** Reads the running daemon's runtime info, or undefined when none is published. */
export function readRuntime(dir: string): RuntimeInfo | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, FILE), "utf8")) as RuntimeInfo;
  } catch {
    return undefined;
  }
}
