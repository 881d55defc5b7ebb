import { z } from "zod";
import { address } from "./common.ts";

/** Deployed addresses. Ignored on devnet (the deployment provides them). */
export const contractsSection = z
  .strictObject({
    vault: address.optional(),
    allocator: address.optional(),
    /** Chainlink-compatible USD price feeds by symbol; `ETH` is required (it prices gas). */
    oracles: z.record(z.string().min(1), address).default({}),
  })
  .prefault({});
