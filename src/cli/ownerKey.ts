import type { AbstractSigner, JsonRpcProvider } from "ethers";
import { type OwnerKeyTarget, openOwnerKey } from "../composition/keys.ts";
import { loadConfig } from "../config/load.ts";
import type { SignerSpec } from "../config/sections/execution.ts";
import { ConfigError } from "../domain/errors.ts";
import { readPassword } from "./password.ts";

/** The flags that choose a Safe owner's key. */
export interface OwnerKeyOptions {
  readonly config?: string;
  readonly signer?: string;
  /** The keystore password's file (`--signer keystore:PATH`); else KEEL_SIGNER_PASSWORD, else a prompt. */
  readonly passwordFile?: string;
}

/** What the owner signing policy is bound to (the chain, the Safe, the allocator and vault, the ceilings) and the chain. */
export interface OwnerKeyContext extends OwnerKeyTarget {
  readonly provider: JsonRpcProvider;
}

/** The environment variable a keystore signer's password is read from when no file is given. */
export const SIGNER_PASSWORD_ENV = "KEEL_SIGNER_PASSWORD";

/** Turns `--signer` into a signer spec: `keystore:PATH`, `kms:KEY_ID` or `env:VAR` (a raw key, development only). */
export function parseSignerFlag(flag: string, env: NodeJS.ProcessEnv): SignerSpec {
  const [kind, ...rest] = flag.split(":");
  const value = rest.join(":");
  if (!value) throw new ConfigError(`--signer must be keystore:PATH, kms:KEY_ID or env:VAR, got "${kind}"`);
  if (kind === "keystore") {
    const password = env.KEEL_SIGNER_PASSWORD_FILE
      ? { file: env.KEEL_SIGNER_PASSWORD_FILE }
      : { env: "KEEL_SIGNER_PASSWORD" };
    return { type: "keystore", path: value, password };
  }
  if (kind === "kms") {
    return {
      type: "kms",
      keyId: value,
      region: env.AWS_REGION ?? "us-east-1",
      ...(env.KEEL_KMS_ENDPOINT ? { endpoint: env.KEEL_KMS_ENDPOINT } : {}),
    };
  }
  if (kind === "env") return { type: "privateKey", key: { env: value } };
  throw new ConfigError(`unknown --signer kind "${kind}" (keystore, kms or env)`);
}

/**
 * The owner's key behind the owner signing policy (src/composition/keys.ts): `--signer` (a keystore's password from
 * a file, the environment or a prompt), else the config's manager.
 */
export async function ownerSigner(
  opts: OwnerKeyOptions,
  ctx: OwnerKeyContext,
  env: NodeJS.ProcessEnv,
): Promise<AbstractSigner> {
  const { config } = loadConfig(opts.config, env);
  const spec = opts.signer ? parseSignerFlag(opts.signer, env) : config.execution.manager;
  if (!spec) throw new ConfigError("give --signer (or execution.manager in the config)");
  if (spec.type !== "keystore" || !opts.signer) return openOwnerKey(spec, ctx, { provider: ctx.provider, env });
  // A signer's keystore: --password-file, KEEL_SIGNER_PASSWORD(_FILE), else a prompt that echoes nothing.
  const password = await readPassword(
    {
      file: opts.passwordFile ?? env.KEEL_SIGNER_PASSWORD_FILE,
      envName: SIGNER_PASSWORD_ENV,
      prompt: `Password for ${spec.path}: `,
    },
    env,
  );
  return openOwnerKey({ ...spec, password: { env: SIGNER_PASSWORD_ENV } }, ctx, {
    provider: ctx.provider,
    env: { ...env, [SIGNER_PASSWORD_ENV]: password },
  });
}
