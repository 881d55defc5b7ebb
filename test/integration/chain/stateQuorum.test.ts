import { expect } from "chai";
import type { ChainProvider } from "../../../src/adapters/chain/provider.ts";
import { type LocalChain, startLocalChain } from "../../../src/devnet/chain.ts";
import { KeelError } from "../../../src/domain/errors.ts";
import { type FaultProxy, startFaultProxy } from "../../support/fault-proxy.ts";
import { fastProvider, memoryLogger } from "./fixtures.ts";

// The identity precompile echoes its input: a state read with one right answer and no deployment.
const IDENTITY = "0x0000000000000000000000000000000000000004";
const DATA = "0x1234abcd";

describe("quorum on state reads (eth_call at a block) across RPC endpoints", function () {
  this.timeout(30_000);
  let chain: LocalChain;
  let proxies: FaultProxy[];
  const open: ChainProvider[] = [];
  const make = (urls: string[], deps: Parameters<typeof fastProvider>[2] = {}) => {
    const p = fastProvider(urls, {}, deps);
    open.push(p);
    return p;
  };
  const states = () => {
    const counts: Record<string, number> = {};
    return {
      counts,
      rpcRequests: { inc: () => {} },
      rpcDegraded: { set: () => {} },
      rpcStateChecks: {
        inc: ({ result }: { result: string }) => {
          counts[result] = (counts[result] ?? 0) + 1;
        },
      },
    };
  };

  before(async () => {
    chain = await startLocalChain({ httpPort: 0 });
    proxies = await Promise.all([0, 1, 2].map(() => startFaultProxy(chain.rpcUrl!)));
  });
  afterEach(async () => {
    for (const p of proxies) p.clear();
    await Promise.all(open.splice(0).map((p) => p.close()));
  });
  after(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await chain.close();
  });

  const at = async (p: ChainProvider) => p.call({ to: IDENTITY, data: DATA, blockTag: await p.getBlockNumber() });
  const urls = (n: number) => proxies.slice(0, n).map((p) => `${p.url}/key-${p.url.slice(-5)}`);

  it("asks every endpoint and returns the agreed answer", async () => {
    const metrics = states();
    const p = make(urls(2), { metrics });
    const before = proxies.map((x) => x.received.eth_call ?? 0);
    expect(await at(p)).to.equal(DATA);
    expect(proxies.slice(0, 2).map((x, i) => (x.received.eth_call ?? 0) - before[i]!)).to.deep.equal([1, 1]);
    expect(metrics.counts).to.deep.equal({ ok: 1 });
  });

  it("two endpoints answering differently: RPC_STATE_DISAGREE, retryable, naming endpoints by index, never by URL", async () => {
    const metrics = states();
    const p = make(urls(2), { metrics });
    proxies[1]!.set("eth_call", "lieState");
    const err = await at(p).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(KeelError);
    expect(err).to.include({ code: "RPC_STATE_DISAGREE", retryable: true });
    expect((err as KeelError).message).to.contain("rpc#0 vs rpc#1");
    expect((err as KeelError).message)
      .to.not.contain("127.0.0.1")
      .and.not.contain("key-");
    expect(metrics.counts).to.deep.equal({ disagree: 1 });
  });

  it("three endpoints, one lying: the majority's answer, the liar logged as outvoted", async () => {
    const metrics = states();
    const { logger, lines } = memoryLogger();
    const p = make(urls(3), { metrics, logger });
    proxies[2]!.set("eth_call", "lieState");
    expect(await at(p)).to.equal(DATA);
    expect(metrics.counts).to.deep.equal({ outvoted: 1 });
    expect(lines.some((l) => l.includes('"outvoted":["rpc#2"]'))).to.equal(true);
  });

  it("an endpoint that fails to answer is not a vote: the other's answer is served (failover kept)", async () => {
    const p = make(urls(2));
    proxies[0]!.set("eth_call", "http500");
    expect(await at(p)).to.equal(DATA);
  });

  it("reads at `latest` are not cross-checked (endpoints may be a block apart): one endpoint, one request", async () => {
    const p = make(urls(2));
    proxies[1]!.set("eth_call", "lieState");
    const before = proxies.map((x) => x.received.eth_call ?? 0);
    expect(await p.call({ to: IDENTITY, data: DATA })).to.equal(DATA);
    const asked = proxies.slice(0, 2).map((x, i) => (x.received.eth_call ?? 0) - before[i]!);
    expect(asked).to.deep.equal([1, 0]);
  });
});
