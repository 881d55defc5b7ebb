import { getAddress, isAddress } from "ethers";
import { z } from "zod";

/** A checksummed (or all-lower-case) Ethereum address, normalised to its checksum form. */
export const address = z.string().transform((value, ctx) => {
  if (!/^0x[0-9a-fA-F]{40}$/.test(value)) {
    ctx.addIssue({ code: "custom", message: `not an address: ${value}` });
    return z.NEVER;
  }
  // Mixed case must be the EIP-55 checksum; all-lower or all-upper is accepted and normalised.
  if (!isAddress(value)) {
    ctx.addIssue({ code: "custom", message: `bad address checksum: ${value}` });
    return z.NEVER;
  }
  return getAddress(value);
});

/** Basis points, 0..10 000. */
export const bps = z.number().int().min(0).max(10_000);

/** A percentage 0..100. */
export const pct = z.number().min(0).max(100);

/** A secret is never inline: it comes from a file or an environment variable. */
export const secretRef = z
  .strictObject({
    /** Path of a file holding the secret (trailing newline trimmed). */
    file: z.string().min(1).optional(),
    /** Name of an environment variable holding the secret. */
    env: z.string().min(1).optional(),
  })
  .refine((s) => (s.file === undefined) !== (s.env === undefined), {
    message: "give exactly one of file or env",
  });
export type SecretRef = z.infer<typeof secretRef>;
