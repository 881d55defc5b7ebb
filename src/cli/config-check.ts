import { assertNoDevnetFallback, loadConfig } from "../config/load.ts";
import { ConfigError } from "../domain/errors.ts";

/** `keel config check FILE`: validates, prints each problem with its path (exit 1) or a summary (exit 0). */
export async function configCheckCommand(file: string): Promise<void> {
  try {
    const loaded = loadConfig(file);
    assertNoDevnetFallback(loaded);
    process.stdout.write(
      `${file}: ok (hash ${loaded.hash}; ${loaded.devnet ? "no RPC URL: runs on the embedded devnet" : `chain ${loaded.config.chain.chainId}`})\n`,
    );
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${file}: ${err.issues.length === 0 ? err.message : `${err.issues.length} problem(s)`}\n`);
    for (const issue of err.issues) process.stderr.write(`  ${issue.path}: ${issue.message}\n`);
    process.exitCode = 1;
  }
}
