import type { JsonRpcApiProvider } from "ethers";
import { capturePins } from "../adapters/ethers/pinCapture.ts";
import type { Queued } from "../adapters/ethers/protocolReader.ts";
import type { MonitorConfig } from "../config/sections/monitor.ts";
import type { ProtocolMonitorOptions } from "../pipeline/riskGate/protocolChange.ts";

/**
 * The protocol pins the daemon holds its sources to: the configured ones; on the embedded devnet with none
 * configured (and `monitor.pinDevnet`), the fresh deployment as deployed — what `keel pins` would print.
 */
export async function resolveMonitor(
  monitor: MonitorConfig,
  ctx: { devnet: boolean; allocator: string },
  deps: { provider: JsonRpcApiProvider; q: Queued },
): Promise<ProtocolMonitorOptions> {
  const { critical } = monitor;
  if (monitor.sources.length > 0 || !ctx.devnet || !monitor.pinDevnet) return { critical, sources: monitor.sources };
  const sources = await capturePins(ctx.allocator, deps, { maxConstantRounds: monitor.feedMaxConstantRounds });
  return { critical, sources };
}
