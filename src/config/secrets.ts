import { readFileSync } from "node:fs";
import { ConfigError } from "../domain/errors.ts";
import type { SecretRef } from "./sections/common.ts";

/** Every secret value read so far, so logs and errors can be scrubbed of them. */
const knownSecrets = new Set<string>();

/** Reads a secret from its file or environment variable. The error names the reference, never the value. */
export function readSecret(ref: SecretRef, env: NodeJS.ProcessEnv = process.env): string {
  let value: string | undefined;
  if (ref.file !== undefined) {
    try {
      value = readFileSync(ref.file, "utf8").trim();
    } catch (err) {
      throw new ConfigError(`cannot read secret file ${ref.file}: ${(err as NodeJS.ErrnoException).code ?? "error"}`);
    }
  } else if (ref.env !== undefined) {
    value = env[ref.env];
    if (value === undefined) throw new ConfigError(`secret environment variable ${ref.env} is not set`);
  }
  if (!value) throw new ConfigError("secret is empty");
  knownSecrets.add(value);
  return value;
}

/** Replaces every known secret (and URL credentials or API-key-looking path parts) with a marker. */
export function redact(text: string): string {
  let out = text;
  for (const s of knownSecrets) if (s.length >= 4) out = out.split(s).join("[redacted]");
  return out.replace(/(\w+:\/\/)[^/@\s]+@/g, "$1[redacted]@");
}
