import { readFile } from "node:fs/promises";
import { type AbstractSigner, type Provider, Wallet } from "ethers";
import { readSecret } from "../../config/secrets.ts";
import type { SignerSpec } from "../../config/sections/execution.ts";
import { ConfigError, KeelError } from "../../domain/errors.ts";

/** Extra ports for signers that talk to a service (KMS metrics, a custom env for secrets). */
export interface SignerDeps {
  readonly env?: NodeJS.ProcessEnv;
  /** Observes each KMS Sign call's latency in seconds. */
  readonly onKmsSign?: (seconds: number) => void;
}

/**
 * Builds a signer from its config: an encrypted JSON keystore (password from a secret), a raw
 * private key (from a secret) or an AWS KMS secp256k1 key. Error messages never carry the key or
 * the password; the underlying library error is dropped for that reason.
 */
export async function createSigner(
  spec: SignerSpec,
  provider: Provider,
  deps: SignerDeps = {},
): Promise<AbstractSigner> {
  const env = deps.env ?? process.env;
  switch (spec.type) {
    case "privateKey": {
      const key = readSecret(spec.key, env);
      try {
        return new Wallet(key.startsWith("0x") ? key : `0x${key}`, provider);
      } catch {
        throw new ConfigError("private key secret is not a valid secp256k1 key");
      }
    }
    case "keystore": {
      const password = readSecret(spec.password, env);
      let json: string;
      try {
        json = await readFile(spec.path, "utf8");
      } catch (err) {
        throw new ConfigError(`cannot read keystore ${spec.path}: ${(err as NodeJS.ErrnoException).code ?? "error"}`);
      }
      try {
        const wallet = await Wallet.fromEncryptedJson(json, password);
        return wallet.connect(provider);
      } catch {
        throw new ConfigError(`cannot decrypt keystore ${spec.path} (wrong password or not a keystore)`);
      }
    }
    case "kms": {
      const { createKmsSigner } = await import("./kms.ts");
      return createKmsSigner(
        { keyId: spec.keyId, region: spec.region, ...(spec.endpoint === undefined ? {} : { endpoint: spec.endpoint }) },
        { provider, ...(deps.onKmsSign ? { onSign: deps.onKmsSign } : {}) },
      );
    }
    default:
      throw new KeelError("SIGNER_UNSUPPORTED", "unknown signer type", { retryable: false });
  }
}
