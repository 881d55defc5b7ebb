import { id, type Provider, ZeroHash } from "ethers";
import { KeelError } from "../../domain/errors.ts";
import { KeelAllocatorAbi, KeelVaultAbi } from "./abi/generated.ts";
import { read, type TypedContract, typedContract } from "./typedContract.ts";

const KEEPER_ROLE = id("KEEPER_ROLE");
/** Roles a keeper key must never hold (least privilege): where, name, id. */
const FORBIDDEN = [
  ["vault", "DEFAULT_ADMIN_ROLE", ZeroHash],
  ["vault", "MANAGER_ROLE", id("MANAGER_ROLE")],
  ["vault", "GUARDIAN_ROLE", id("GUARDIAN_ROLE")],
  ["allocator", "DEFAULT_ADMIN_ROLE", ZeroHash],
  ["allocator", "MANAGER_ROLE", id("MANAGER_ROLE")],
] as const;

/** Reads what the keeper key may do on the vault and the allocator. */
export interface KeeperRoles {
  /** Refuses to start (KEEPER_OVERPRIVILEGED, KEEPER_ROLE_MISSING) unless the key holds KEEPER_ROLE and nothing more. */
  checkAtBoot(): Promise<void>;
  /** Whether the key still holds KEEPER_ROLE; undefined when the node could not say. */
  stillKeeper(): Promise<boolean | undefined>;
}

/** The keeper key's role checks (RELIABILITY row 27). */
export function createKeeperRoles(
  opts: { vault: string; allocator: string; keeper: string },
  deps: { provider: Provider },
): KeeperRoles {
  const at = {
    vault: typedContract(opts.vault, KeelVaultAbi, deps.provider),
    allocator: typedContract(opts.allocator, KeelAllocatorAbi, deps.provider),
  };
  const has = (c: TypedContract<typeof KeelVaultAbi | typeof KeelAllocatorAbi>, role: string) =>
    read(c, "hasRole", [role, opts.keeper]);
  return {
    async checkAtBoot() {
      const held = await Promise.all(FORBIDDEN.map(([where, , role]) => has(at[where], role)));
      const excess = FORBIDDEN.filter((_, i) => held[i]).map(([where, name]) => `${name} on the ${where}`);
      if (excess.length > 0) {
        throw new KeelError(
          "KEEPER_OVERPRIVILEGED",
          `refusing to start: the keeper key ${opts.keeper} also holds ${excess.join(", ")}; a keeper key must hold KEEPER_ROLE only (whoever steals it could otherwise change the bounds, the allow-list or the kill-switch) — use separate keys`,
          { retryable: false, context: { keeper: opts.keeper, roles: excess.join(", ") } },
        );
      }
      if (!(await has(at.allocator, KEEPER_ROLE))) {
        throw new KeelError(
          "KEEPER_ROLE_MISSING",
          `refusing to start: the keeper key ${opts.keeper} does not hold KEEPER_ROLE on the allocator ${opts.allocator}`,
          { retryable: false, context: { keeper: opts.keeper, allocator: opts.allocator } },
        );
      }
    },
    async stillKeeper() {
      try {
        return await has(at.allocator, KEEPER_ROLE);
      } catch {
        return undefined;
      }
    },
  };
}
