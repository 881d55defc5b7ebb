// Where a CLI command acts on a running keel (src/composition/target.ts): `runningChain` is the one answer
// `keel pause`, `unpause`, `pins`, `proposals` and `explain` share. No chain is asked: it only reads the config and
// the state directory.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { readOnchainCommitment } from "../../../src/cli/commitment.ts";
import { runningChain, runningTarget } from "../../../src/composition/target.ts";
import { parseConfig } from "../../../src/config/load.ts";
import { ConfigError, exitCodeFor, KeelError } from "../../../src/domain/errors.ts";
import { publishRuntime } from "../../../src/runtime/runtimeFile.ts";

const LIVE_VAULT = "0x1000000000000000000000000000000000000001";
const LIVE_ALLOCATOR = "0x2000000000000000000000000000000000000002";
const DEVNET_VAULT = "0x3000000000000000000000000000000000000003";
const DEVNET_ALLOCATOR = "0x4000000000000000000000000000000000000004";
const DEVNET_RPC = "http://127.0.0.1:7";
const env = { KEEL_UNIT_RPC: "http://127.0.0.1:9" };

/** A state directory, holding a devnet daemon's runtime file when `devnet` is set. */
function stateDir(devnet: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), "keel-target-"));
  if (devnet) {
    publishRuntime(dir, {
      pid: 1,
      startedAt: "2026-01-01T00:00:00.000Z",
      chainId: 31337,
      httpUrl: "http://127.0.0.1:8",
      devnetRpcUrl: DEVNET_RPC,
      vault: DEVNET_VAULT,
      allocator: DEVNET_ALLOCATOR,
      configHash: "devnet",
    });
  }
  return dir;
}
const live = (dir: string, contracts: Record<string, string> = { vault: LIVE_VAULT, allocator: LIVE_ALLOCATOR }) =>
  parseConfig({ chain: { chainId: 31337, rpcUrls: [{ env: "KEEL_UNIT_RPC" }] }, contracts, state: { dir } }, "live");
const devnet = (dir: string) => parseConfig({ state: { dir } }, "devnet");
const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
};

describe("where a CLI command acts on a running keel (runningChain)", () => {
  it("a live config acts on its chain and its contracts, ignoring a devnet daemon's runtime file in the state directory", () => {
    expect(runningChain(live(stateDir(true)), {}, env)).to.deep.equal({
      rpcUrl: "http://127.0.0.1:9",
      devnet: false,
      vault: LIVE_VAULT,
      allocator: LIVE_ALLOCATOR,
    });
  });

  it("a live config naming no contracts knows none: it never borrows the runtime file's", () => {
    expect(runningChain(live(stateDir(true), {}), {}, env)).to.deep.equal({
      rpcUrl: "http://127.0.0.1:9",
      devnet: false,
      vault: undefined,
      allocator: undefined,
    });
  });

  it("--rpc makes a devnet config live: that endpoint, the configured contracts (none), not the runtime file's", () => {
    expect(runningChain(devnet(stateDir(true)), { rpc: "http://127.0.0.1:6" }, env)).to.deep.equal({
      rpcUrl: "http://127.0.0.1:6",
      devnet: false,
      vault: undefined,
      allocator: undefined,
    });
  });

  it("a devnet config acts on the running devnet daemon's chain and contracts, from its runtime file", () => {
    expect(runningChain(devnet(stateDir(true)), {}, env)).to.deep.equal({
      rpcUrl: DEVNET_RPC,
      devnet: true,
      vault: DEVNET_VAULT,
      allocator: DEVNET_ALLOCATOR,
    });
  });

  it("a devnet config with no devnet daemon running is NO_DEVNET, retryable (exit 75)", () => {
    const err = thrown(() => runningChain(devnet(stateDir(false)), {}, env));
    expect(err).to.be.instanceOf(KeelError);
    expect((err as KeelError).code).to.equal("NO_DEVNET");
    expect(exitCodeFor(err)).to.equal(75);
  });

  it("the RPC URL's secret is read from the environment given", () => {
    const err = thrown(() => runningChain(live(stateDir(false)), {}, {}));
    expect(err).to.be.instanceOf(ConfigError);
    expect(String(err)).to.contain("KEEL_UNIT_RPC");
  });

  it("runningTarget takes the one contract a command needs from the same chain; a live config missing it is a config error (exit 1)", () => {
    const saved = process.env.KEEL_UNIT_RPC;
    process.env.KEEL_UNIT_RPC = env.KEEL_UNIT_RPC;
    try {
      expect(runningTarget(live(stateDir(true)), {}, "allocator")).to.deep.equal({
        rpcUrl: "http://127.0.0.1:9",
        devnet: false,
        allocator: LIVE_ALLOCATOR,
      });
      expect(runningTarget(devnet(stateDir(true)), {}, "vault")).to.deep.equal({
        rpcUrl: DEVNET_RPC,
        devnet: true,
        vault: DEVNET_VAULT,
      });
      const err = thrown(() => runningTarget(live(stateDir(true), { allocator: LIVE_ALLOCATOR }), {}, "vault"));
      expect(err).to.be.instanceOf(ConfigError);
      expect(exitCodeFor(err)).to.equal(1);
    } finally {
      if (saved === undefined) delete process.env.KEEL_UNIT_RPC;
      else process.env.KEEL_UNIT_RPC = saved;
    }
  });

  it("keel explain on a devnet config with no devnet daemon says so beside the commitment (NO_DEVNET's message)", async () => {
    const note = await readOnchainCommitment(devnet(stateDir(false)), "d-1");
    expect(note).to.be.a("string");
    expect(note).to.contain("no running devnet daemon");
  });
});
