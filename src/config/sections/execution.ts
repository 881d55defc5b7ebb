import { z } from "zod";
import { secretRef } from "./common.ts";

/** A signing key: an encrypted keystore (password as a secret), a raw key as a secret, or AWS KMS. */
export const signerSpec = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("keystore"), path: z.string().min(1), password: secretRef }),
  z.strictObject({ type: z.literal("privateKey"), key: secretRef }),
  z.strictObject({
    type: z.literal("kms"),
    keyId: z.string().min(1),
    region: z.string().min(1).default("us-east-1"),
    /** Custom endpoint (e.g. a loopback KMS in tests). */
    endpoint: z.string().url().optional(),
  }),
]);
export type SignerSpec = z.infer<typeof signerSpec>;

/** How intents are carried out. */
export const executionSection = z
  .strictObject({
    /** `direct` sends from the keeper key; `bundle` via private relays; `safe` proposes to the Safe. */
    route: z.enum(["direct", "bundle", "safe"]).default("direct"),
    dryRun: z.boolean().default(false),
    /** Keeper key (rebalance within bounds). Absent on devnet (a devnet key is generated). */
    keeper: signerSpec.optional(),
    /** Guardian key for `keel pause` and risk triggers. */
    guardian: signerSpec.optional(),
    /** Manager key for `keel unpause`. */
    manager: signerSpec.optional(),
  })
  .prefault({});
