import { z } from "zod";
import { address } from "./common.ts";

/** Deployed addresses. Ignored on devnet (the deployment provides them). */
export const contractsSection = z
  .strictObject({
    vault: address.optional(),
    allocator: address.optional(),
  })
  .prefault({});
