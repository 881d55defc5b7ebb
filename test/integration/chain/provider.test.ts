import { expect } from "chai";
import { ethers } from "ethers";
import type { ChainProvider } from "../../../src/adapters/chain/provider.ts";
import { type LocalChain, startLocalChain } from "../../../src/devnet/chain.ts";
import { KeelError } from "../../../src/domain/errors.ts";
import { type FaultProxy, startFaultProxy } from "../../support/fault-proxy.ts";
import { fastProvider, memoryLogger, recordingMetrics } from "./fixtures.ts";

const ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

async function rejection(p: Promise<unknown>): Promise<KeelError> {
  try {
    await p;
  } catch (err) {
    return err as KeelError;
  }
  throw new Error("expected a rejection");
}

describe("chain provider against a local chain", function () {
  this.timeout(30_000);
  let chain: LocalChain;
  let proxy: FaultProxy;
  const open: ChainProvider[] = [];
  const make = (...args: Parameters<typeof fastProvider>) => {
    const p = fastProvider(...args);
    open.push(p);
    return p;
  };

  before(async () => {
    chain = await startLocalChain({ httpPort: 0 });
    proxy = await startFaultProxy(chain.rpcUrl!);
  });
  afterEach(async () => {
    proxy.clear();
    await Promise.all(open.splice(0).map((p) => p.close()));
  });
  after(async () => {
    await proxy.close();
    await chain.close();
  });

  it("reads blocks, balances and calls through ethers like a JsonRpcProvider", async () => {
    const p = make([chain.rpcUrl!]);
    expect(p).to.be.instanceOf(ethers.JsonRpcProvider);
    expect(await p.getBlockNumber()).to.be.a("number");
    expect((await p.getBalance(ALICE)) > 0n).to.equal(true);
    expect((await p.getNetwork()).chainId).to.equal(31337n);
    expect(p.health()).to.deep.equal({ degraded: false, consecutiveFailures: 0 });
  });

  it("sends a signed transaction and returns its hash once", async () => {
    const metrics = recordingMetrics();
    const p = make([proxy.url], {}, { metrics });
    const wallet = new ethers.Wallet("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80", p);
    const tx = await wallet.sendTransaction({ to: ALICE, value: 1n });
    const receipt = await tx.wait();
    expect(receipt?.status).to.equal(1);
    expect(metrics.count("eth_sendRawTransaction", "ok")).to.equal(1);
  });

  it("surfaces a node's JSON-RPC error without retrying it or counting it as a failure", async () => {
    const metrics = recordingMetrics();
    const p = make([proxy.url], {}, { metrics });
    const before = proxy.received.eth_getBalance ?? 0;
    const err = await rejection(p.send("eth_getBalance", ["0xnot-an-address", "latest"]));
    expect(err).to.not.be.instanceOf(KeelError);
    expect(String(err.message)).to.include("invalid value");
    expect((proxy.received.eth_getBalance ?? 0) - before).to.equal(1);
    expect(metrics.count("eth_getBalance", "rpc_error")).to.equal(1);
    expect(p.health().consecutiveFailures).to.equal(0);
  });

  it("fails over from a dead URL to the next one", async () => {
    const metrics = recordingMetrics();
    const p = make(["http://127.0.0.1:9/dead", chain.rpcUrl!], {}, { metrics });
    expect(await p.getBlockNumber()).to.be.a("number");
    expect(metrics.count("*", "network")).to.be.greaterThan(0);
  });

  it("refuses a node on another chain at start with a fatal CHAIN_ID_MISMATCH", async () => {
    const p = make([chain.rpcUrl!], { chainId: 1 });
    const err = await rejection(p.verifyChain());
    expect(err).to.be.instanceOf(KeelError);
    expect(err.code).to.equal("CHAIN_ID_MISMATCH");
    expect(err.retryable).to.equal(false);
    expect((await rejection(p.getBlockNumber())).code).to.equal("CHAIN_ID_MISMATCH");
  });

  it("times out a hung call after requestTimeoutMs per attempt and gives up after 1 + maxRetries attempts", async () => {
    proxy.set("eth_blockNumber", "blackhole");
    const metrics = recordingMetrics();
    const p = make([proxy.url], { requestTimeoutMs: 150, maxRetries: 2 }, { metrics });
    await p.verifyChain();
    const err = await rejection(p.getBlockNumber());
    expect(err.code).to.equal("RPC_UNAVAILABLE");
    expect(err.retryable).to.equal(true);
    expect(metrics.count("eth_blockNumber", "timeout")).to.equal(3);
  });

  it("never retries a transaction send whose fate is unknown, and says so", async () => {
    proxy.set("eth_sendRawTransaction", "reset");
    const p = make([proxy.url]);
    const wallet = new ethers.Wallet("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d", p);
    const before = proxy.received.eth_sendRawTransaction ?? 0;
    const err = await rejection(wallet.sendTransaction({ to: ALICE, value: 1n }));
    expect(err.code).to.equal("RPC_SEND_STATUS_UNKNOWN");
    expect((proxy.received.eth_sendRawTransaction ?? 0) - before).to.equal(1);
  });

  it("enters degraded mode after N consecutive failures, moves the gauge, and recovers", async () => {
    const metrics = recordingMetrics();
    const p = make(
      [proxy.url],
      { degradedAfterFailures: 3, maxRetries: 1, breakerFailureThreshold: 100, recoverAfterSuccesses: 2 },
      { metrics },
    );
    await p.verifyChain();
    proxy.set("eth_blockNumber", "http500");
    await rejection(p.getBlockNumber());
    expect(p.health().degraded).to.equal(false);
    await rejection(p.getBlockNumber());
    expect(p.health()).to.include({ degraded: true, consecutiveFailures: 4 });
    expect(metrics.degraded).to.equal(1);
    proxy.clear();
    await p.getBlockNumber();
    expect(p.health().degraded).to.equal(true);
    await p.getBlockNumber();
    expect(p.health().degraded).to.equal(false);
    expect(metrics.degraded).to.equal(0);
  });

  it("opens an endpoint's circuit breaker and skips it until the cooldown ends", async () => {
    const metrics = recordingMetrics();
    const p = make([proxy.url, chain.rpcUrl!], { breakerFailureThreshold: 2, maxRetries: 3 }, { metrics });
    await p.verifyChain();
    proxy.set("*", "http500");
    const seen = proxy.received.eth_blockNumber ?? 0;
    for (let i = 0; i < 5; i++) expect(await p.getBlockNumber()).to.be.a("number");
    expect((proxy.received.eth_blockNumber ?? 0) - seen).to.equal(2);
    expect(p.endpoints[0]?.breaker.state).to.equal("open");
  });

  it("never puts an RPC URL or its API key in an error message or a log line", async () => {
    const { logger, lines } = memoryLogger();
    proxy.set("*", "blackhole");
    const key = "k3yS3cr3tAp1Value";
    const urls = [`${proxy.url}/v2/${key}`, `http://127.0.0.1:9/v3/${key}`];
    const p = make(urls, { requestTimeoutMs: 100, degradedAfterFailures: 1 }, { logger });
    const messages: string[] = [];
    for (const call of [() => p.verifyChain(), () => p.getBlockNumber(), () => p.checkHead()]) {
      try {
        const r = await call();
        messages.push(JSON.stringify(r));
      } catch (err) {
        messages.push(String((err as Error).message), JSON.stringify(err));
      }
    }
    messages.push(JSON.stringify(p.health()));
    const all = [...messages, ...lines].join("\n");
    expect(lines.length).to.be.greaterThan(0);
    expect(all).to.not.include(key);
    expect(all).to.not.include(proxy.url.replace("http://", ""));
    expect(all).to.not.include("127.0.0.1:9");
  });
});
