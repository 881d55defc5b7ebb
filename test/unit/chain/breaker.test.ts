import { expect } from "chai";
import { CircuitBreaker } from "../../../src/adapters/chain/breaker.ts";
import { makeScrubber } from "../../../src/adapters/chain/errors.ts";

describe("circuit breaker", () => {
  const make = () => {
    const clock = { t: 0 };
    const changes: boolean[] = [];
    const b = new CircuitBreaker({ threshold: 2, cooldownMs: 1_000, now: () => clock.t }, (open) => changes.push(open));
    return { b, clock, changes };
  };

  it("opens after `threshold` consecutive failures and rejects until the cooldown ends", () => {
    const { b, clock, changes } = make();
    b.failure();
    expect(b.tryAcquire()).to.equal(true);
    b.failure();
    expect(b.state).to.equal("open");
    expect(b.tryAcquire()).to.equal(false);
    clock.t = 999;
    expect(b.tryAcquire()).to.equal(false);
    expect(changes).to.deep.equal([true]);
  });

  it("lets exactly one probe through when half-open; its success closes the breaker", () => {
    const { b, clock, changes } = make();
    b.failure();
    b.failure();
    clock.t = 1_000;
    expect(b.state).to.equal("half-open");
    expect(b.tryAcquire()).to.equal(true);
    expect(b.tryAcquire()).to.equal(false);
    b.success();
    expect(b.state).to.equal("closed");
    expect(changes).to.deep.equal([true, false]);
  });

  it("re-opens for a full cooldown when the probe fails", () => {
    const { b, clock } = make();
    b.failure();
    b.failure();
    clock.t = 1_500;
    expect(b.tryAcquire()).to.equal(true);
    b.failure();
    expect(b.state).to.equal("open");
    clock.t = 2_400;
    expect(b.state).to.equal("open");
    clock.t = 2_500;
    expect(b.state).to.equal("half-open");
  });

  it("a success resets the failure count", () => {
    const { b } = make();
    b.failure();
    b.success();
    b.failure();
    expect(b.state).to.equal("closed");
  });
});

describe("URL scrubbing", () => {
  it("replaces each configured URL, its host and path by the endpoint label", () => {
    const scrub = makeScrubber(["https://eth.example.com/v2/SECRETKEY", "http://10.0.0.5:8545"]);
    expect(scrub("failed https://eth.example.com/v2/SECRETKEY now")).to.equal("failed rpc#0 now");
    expect(scrub("connect ECONNREFUSED eth.example.com/v2/SECRETKEY")).to.not.include("SECRETKEY");
    expect(scrub("getaddrinfo ENOTFOUND eth.example.com")).to.equal("getaddrinfo ENOTFOUND rpc#0");
    expect(scrub("connect ECONNREFUSED 10.0.0.5:8545")).to.equal("connect ECONNREFUSED rpc#1");
  });
});
