import { z } from "zod";
import { address } from "./common.ts";

/** Deployed addresses. Ignored on devnet (the deployment provides them). */
export const contractsSection = z
  .strictObject({
    vault: address.optional(),
    allocator: address.optional(),
    /** Chainlink-compatible USD price feeds by symbol; the native token's is required (it prices gas). */
    oracles: z.record(z.string().min(1), address).default({}),
    /** Symbol of the chain's native token in `oracles`. */
    nativePriceSymbol: z.string().min(1).default("ETH"),
    /** Names for the sources (adapter address → label), shown by status, explain, proposals and the dashboard. */
    sourceLabels: z.record(address, z.string().min(1).max(64)).default({}),
  })
  .prefault({});
