import { z } from "zod";
import { PROTOCOL_CHANGE_KINDS } from "../../domain/protocolPins.ts";
import { address } from "./common.ts";

const hash = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, "a 0x-prefixed 32-byte hash")
  .transform((h) => h.toLowerCase());
const hex = z
  .string()
  .regex(/^(0x([0-9a-fA-F]{2})*|revert)$/, "0x-prefixed hex bytes, or revert")
  .transform((h) => h.toLowerCase());

/** An EIP-1967 proxy: implementation slot, the implementation's code hash, admin slot (zero when unused). */
const proxyPin = z.strictObject({
  address,
  implementation: address,
  implementationCodeHash: hash,
  admin: address,
});

/** A view call (no side effects) and its approved raw result. */
const callPin = z.strictObject({
  address,
  /** Signature with argument types, e.g. `liquidity()`, `getSourceOfAsset(address)`. */
  function: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*\([a-z0-9,[\]]*\)$/, "a signature like name(address,uint256)"),
  args: z.array(z.string()).default([]),
  result: hex,
  /** A change is a parameter change, an admin (owner) change, or an oracle replaced. */
  kind: z.enum(["params", "admin", "oracle_replaced"]).default("params"),
});

/** Everything approved about one source (its adapter address). */
const sourcePins = z.strictObject({
  source: address,
  proxies: z.array(proxyPin).default([]),
  code: z.array(z.strictObject({ address, codeHash: hash })).default([]),
  calls: z.array(callPin).default([]),
  /** An Aave v3 reserve: configuration bitmap (decimal) and interest-rate strategy. */
  aaveReserve: z
    .strictObject({
      pool: address,
      asset: address,
      configuration: z.string().regex(/^\d+$/, "a decimal integer"),
      interestRateStrategy: address,
    })
    .optional(),
  /** Feeds whose answer must move: the same answer over this many new rounds in a row is a constant answer. */
  feeds: z.array(z.strictObject({ address, maxConstantRounds: z.number().int().min(2).max(10_000) })).default([]),
});

/**
 * Protocol-change monitoring: what was approved per source, read every tick with the rest of ingest. Any
 * change freezes new deposits into the source with a coded reason; kinds in `critical` also exit it.
 * `keel pins` prints this section for the current deployment.
 */
export const monitorSection = z
  .strictObject({
    /** Kinds of change that force an exit (the others freeze). */
    critical: z.array(z.enum(PROTOCOL_CHANGE_KINDS)).default(["implementation", "admin", "code"]),
    sources: z.array(sourcePins).default([]),
    /** On the embedded devnet with no sources pinned: approve the fresh deployment as deployed (`keel pins`). */
    pinDevnet: z.boolean().default(true),
    /** The constant-answer threshold `keel pins` and the devnet give the feeds they watch (new rounds). */
    feedMaxConstantRounds: z.number().int().min(2).max(10_000).default(24),
  })
  .prefault({});

/** The validated monitor section. */
export type MonitorConfig = z.infer<typeof monitorSection>;
