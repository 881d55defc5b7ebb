import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { Wallet } from "ethers";
import { ConfigError } from "../domain/errors.ts";
import { printJson } from "./output.ts";
import { readPassword } from "./password.ts";

/** Options of `keel keys new`. */
export interface KeysNewOptions {
  readonly out: string;
  readonly passwordFile?: string;
  readonly json?: boolean;
}

/** The environment variable `keel keys new` reads the new keystore's password from (scripts). */
export const KEYS_PASSWORD_ENV = "KEEL_KEYSTORE_PASSWORD";

/**
 * `keel keys new --out FILE`: a new random key in an encrypted JSON keystore (ethers' Web3 Secret
 * Storage, scrypt), written 0600 and never over an existing file. The password comes from
 * `--password-file`, `KEEL_KEYSTORE_PASSWORD` or a prompt (asked twice, not echoed). Prints the address.
 */
export async function keysNewCommand(opts: KeysNewOptions, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const password = await readPassword(
    { file: opts.passwordFile, envName: KEYS_PASSWORD_ENV, prompt: "Password for the new keystore: ", confirm: true },
    env,
  );
  const wallet = Wallet.createRandom();
  const json = await wallet.encrypt(password);
  mkdirSync(dirname(opts.out), { recursive: true });
  try {
    writeFileSync(opts.out, `${json}\n`, { mode: 0o600, flag: "wx" });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw new ConfigError(
      code === "EEXIST" ? `${opts.out} exists; keel never overwrites a keystore` : `cannot write ${opts.out}: ${code}`,
    );
  }
  if (opts.json) printJson({ address: wallet.address, keystore: opts.out });
  else process.stdout.write(`${wallet.address}  ${opts.out}\n`);
}
