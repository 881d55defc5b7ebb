import { fileURLToPath } from "node:url";
import { createHardhatRuntimeEnvironment } from "hardhat/hre";
import type { EthereumProvider } from "hardhat/types/providers";
import { serveJsonRpc } from "./rpc-server.ts";

/** Options for a local EDR chain. */
export interface LocalChainOptions {
  /** Chain id; 31337 unless a test needs another. */
  chainId?: number;
  /** Serve JSON-RPC over HTTP on 127.0.0.1 (port 0 = any free port). Omit for in-process only. */
  httpPort?: number;
  /** Block timestamp of the first block (unix seconds), for replaying history. */
  initialDate?: Date;
  /** Automine each transaction (default true). */
  automine?: boolean;
  /** Interval mining in milliseconds (0 = off). */
  intervalMs?: number;
}

/** A running local chain: an EIP-1193 provider in process, and optionally an HTTP endpoint. */
export interface LocalChain {
  readonly chainId: number;
  readonly provider: EthereumProvider;
  /** `http://127.0.0.1:PORT` when served over HTTP. */
  readonly rpcUrl: string | undefined;
  close(): Promise<void>;
}

const projectRoot = fileURLToPath(new URL("../..", import.meta.url));

/** Starts a Hardhat (EDR) chain in this process; never reads the user's hardhat.config. */
export async function startLocalChain(opts: LocalChainOptions = {}): Promise<LocalChain> {
  const chainId = opts.chainId ?? 31337;
  const hre = await createHardhatRuntimeEnvironment(
    {
      networks: {
        devnet: {
          type: "edr-simulated",
          chainType: "l1",
          chainId,
          allowUnlimitedContractSize: true,
          mining: { auto: opts.automine ?? true, interval: opts.intervalMs ?? 0 },
          ...(opts.initialDate ? { initialDate: opts.initialDate } : {}),
        },
      },
    },
    {},
    projectRoot,
  );
  const connection = await hre.network.connect({ network: "devnet" });
  // Hardhat's own createServer would start a second, separate chain; serve this one instead.
  const server = opts.httpPort === undefined ? undefined : await serveJsonRpc(connection.provider, opts.httpPort);
  const rpcUrl = server?.url;
  return {
    chainId,
    provider: connection.provider,
    rpcUrl,
    async close() {
      await server?.close();
      await connection.close();
    },
  };
}
