import { z } from "zod";
import { address, bps, secretRef } from "./common.ts";

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

/** The private bundle route (Flashbots-style relays). */
export const bundleSection = z
  .strictObject({
    /** Relay URLs (eth_sendBundle / eth_callBundle). URLs may carry keys: give them as secrets. */
    relays: z.array(secretRef).default([]),
    /** The relay auth key (signs X-Flashbots-Signature; holds no funds). Random per start when absent. */
    authKey: secretRef.optional(),
    /** Target the next N blocks, re-simulating and re-targeting each block, then abandon. */
    blocks: z.number().int().min(1).max(50).default(3),
    /** Priority fee bump per re-target, in bps, up to the cap. */
    priorityBumpBps: bps.default(1_250),
    maxPriorityFeeGwei: z.number().positive().max(10_000).default(50),
    /** Send to the public mempool after the bundle is abandoned. Off unless said so. */
    allowPublicFallback: z.boolean().default(false),
    /** How long to wait for each target block, in ms. */
    blockWaitMs: z.number().int().min(100).max(600_000).default(30_000),
  })
  .prefault({});

/** The Safe route: proposals to the manager multisig. */
export const safeSection = z
  .strictObject({
    /** The Safe (manager) address. Devnet: deployed. */
    address: address.optional(),
    /** Proposer key (an owner or delegate of the Safe); defaults to the keeper. */
    proposer: signerSpec.optional(),
    /** Safe Transaction Service base URL (optional; a secret when it carries a key). */
    serviceUrl: secretRef.optional(),
    /** API key for the hosted Safe Transaction Service (sent as a bearer token). */
    serviceApiKey: secretRef.optional(),
    /** Re-simulate pending proposals every N blocks. */
    resimulateEveryBlocks: z.number().int().min(1).max(100_000).default(10),
    /** A proposal whose expected total assets drifted beyond this is stale. */
    staleDriftBps: bps.default(100),
    /** Custom Safe contract addresses (devnet / unsupported chains), passed to protocol-kit. */
    contracts: z
      .strictObject({
        safeSingleton: address,
        safeProxyFactory: address,
        multiSend: address,
        multiSendCallOnly: address,
        fallbackHandler: address,
        signMessageLib: address,
        createCall: address,
        simulateTxAccessor: address,
      })
      .optional(),
  })
  .prefault({});

/**
 * Ceilings of the default-deny signing policy (src/execution/signingPolicy.ts) beyond what the contracts and
 * the strategy already say: the keeper's fee ceiling is strategy.maxGasPriceGwei (plus
 * bundle.maxPriorityFeeGwei on the bundle route), its targets the allocator's `rebalance`.
 */
export const signingPolicySection = z
  .strictObject({
    /** Gas limit ceiling of any transaction keel signs. */
    maxGasLimit: z.number().int().min(21_000).max(30_000_000).default(8_000_000),
    /** Calldata ceiling, bytes (a 16-move rebalance is 1 732). */
    maxCalldataBytes: z.number().int().min(4).max(131_072).default(2_048),
    /** Fee ceiling of the guardian's `pause()` (an emergency outbids the strategy's cap), gwei. */
    pauseMaxFeeGwei: z.number().positive().max(100_000).default(2_000),
  })
  .prefault({});

/** How intents are carried out. */
export const executionSection = z
  .strictObject({
    /**
     * `direct` sends from the keeper key; `bundle` via private relays; `safe` proposes to the Safe;
     * `auto` sends moves inside the keeper's on-chain bounds by `inBoundsRoute` and proposes the rest.
     */
    route: z.enum(["direct", "bundle", "safe", "auto"]).default("direct"),
    /** The route `auto` uses for moves inside the keeper bounds. */
    inBoundsRoute: z.enum(["direct", "bundle"]).default("bundle"),
    /**
     * `shadow` (the default for a new deployment) runs every stage but the send: no signature, no
     * broadcast, no Safe proposal, no kill-switch pull; each decision is journaled with what it would have
     * sent. `live` sends. Going live is this explicit change. The embedded devnet runs `live` unless set.
     */
    mode: z.enum(["shadow", "live"]).default("shadow"),
    dryRun: z.boolean().default(false),
    /** Keeper key (rebalance within bounds). Absent on devnet (a devnet key is generated). */
    keeper: signerSpec.optional(),
    /** Guardian key for `keel pause` and risk triggers. */
    guardian: signerSpec.optional(),
    /** Manager key for `keel unpause`. */
    manager: signerSpec.optional(),
    /** How long to wait for a receipt before reporting `sent` (the intent stays pending). */
    receiptTimeoutMs: z.number().int().min(100).max(3_600_000).default(120_000),
    /** Gas limit over the simulated gas units, in bps. */
    gasLimitBufferBps: bps.default(2_000),
    /** Start even though the intent store is missing/corrupt while the chain shows history. */
    adoptChainHistory: z.boolean().default(false),
    bundle: bundleSection,
    safe: safeSection,
    signingPolicy: signingPolicySection,
  })
  .prefault({});
