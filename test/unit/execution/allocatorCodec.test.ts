// The decision commitment as the allocator sees it: the journal's hashes turned into bytes32 words in `rebalance`
// calldata, and read back from a `Rebalanced` log.
import { expect } from "chai";
import { getAddress, id, type Log, type Provider, ZeroHash } from "ethers";
import {
  commitmentTuple,
  commitmentWord,
  createAllocatorCodec,
  decodeRebalance,
  decodeRebalanceMoves,
} from "../../../src/adapters/execution/allocatorCodec.ts";
import { findRebalanced } from "../../../src/adapters/execution/events.ts";
import type { DecisionCommitment } from "../../../src/domain/commitment.ts";

const SNAPSHOT = "ab".repeat(32);
const commitment: DecisionCommitment = {
  snapshotHash: SNAPSHOT,
  modelHash: "persistence",
  configHash: "0123456789abcdef",
};
const ALLOCATOR = `0x${"a1".repeat(20)}`;
const ADAPTER = `0x${"c3".repeat(20)}`;

/** A provider that answers one log query with `logs` (what findRebalanced asks). */
const logsProvider = (logs: Partial<Log>[]) =>
  ({ getBlockNumber: async () => 100, getLogs: async () => logs }) as unknown as Provider;

describe("allocator codec: decision commitment words", () => {
  const codec = createAllocatorCodec();

  it("keeps a hex digest as it is (a SHA-256 whole, the 8-byte config hash right-padded), lower-cased", () => {
    expect(commitmentWord(SNAPSHOT)).to.equal(`0x${SNAPSHOT}`);
    expect(commitmentWord(`0x${SNAPSHOT.toUpperCase()}`)).to.equal(`0x${SNAPSHOT}`);
    expect(commitmentWord("0123456789abcdef")).to.equal(`0x0123456789abcdef${"0".repeat(48)}`);
  });

  it("hashes what is no hex digest (a baseline's name, odd or over-long hex) with keccak256; empty is zero", () => {
    expect(commitmentWord("persistence")).to.equal(id("persistence"));
    expect(commitmentWord("abc")).to.equal(id("abc"));
    expect(commitmentWord("ab".repeat(33))).to.equal(id("ab".repeat(33)));
    expect(commitmentWord("")).to.equal(ZeroHash);
    expect(commitmentTuple(undefined)).to.deep.equal([ZeroHash, ZeroHash, ZeroHash]);
  });

  it("rebalance calldata carries the intent id, the moves and the three words", () => {
    const data = codec.encodeRebalance("d-1", [{ sourceId: ADAPTER, direction: "deposit", amount: 5n }], commitment);
    const [intentId, moves, words] = codec.iface.decodeFunctionData("rebalance", data);
    expect(intentId).to.equal(id("d-1"));
    expect(moves.map((m: unknown[]) => [...m])).to.deep.equal([[getAddress(ADAPTER), true, 5n]]);
    expect([...words]).to.deep.equal(commitmentTuple(commitment));
    const bare = codec.iface.decodeFunctionData("rebalance", codec.encodeRebalance("d-1", []));
    expect([...bare[2]]).to.deep.equal([ZeroHash, ZeroHash, ZeroHash]);
  });

  it("decodeRebalance reads rebalance calldata back: intent id, plan moves, words; any other call is undefined", () => {
    const moves = [
      { sourceId: getAddress(ADAPTER), direction: "withdraw" as const, amount: 7n },
      { sourceId: getAddress(ALLOCATOR), direction: "deposit" as const, amount: 5n },
    ];
    const [snapshotHash, modelHash, configHash] = commitmentTuple(commitment);
    expect(decodeRebalance(codec.encodeRebalance("d-2", moves, commitment))).to.deep.equal({
      onchainId: id("d-2"),
      moves,
      commitment: { snapshotHash, modelHash, configHash },
    });
    expect(decodeRebalanceMoves(codec.encodeRebalance("d-2", moves))).to.deep.equal(moves);
    expect(decodeRebalance(codec.encodeRerange(-60, 60))).to.equal(undefined);
    expect(decodeRebalance("0x1234")).to.equal(undefined);
  });

  it("findRebalanced reads the words back from the event; a log that does not decode gives none", async () => {
    const event = codec.iface.getEvent("Rebalanced");
    if (!event) throw new Error("no Rebalanced in the codec");
    const log = codec.iface.encodeEventLog(event, [
      id("d-1"),
      `0x${"b2".repeat(20)}`,
      1_000n,
      999n,
      1n,
      [[ADAPTER, true, 5n]],
      commitmentTuple(commitment),
    ]);
    const found = await findRebalanced(
      logsProvider([{ ...log, address: ALLOCATOR, transactionHash: `0x${"cd".repeat(32)}`, blockNumber: 42 }]),
      codec,
      ALLOCATOR,
      id("d-1"),
    );
    expect(found?.block).to.equal(42);
    expect(found?.caller).to.equal(`0x${"b2".repeat(20)}`);
    const [snapshotWord, modelWord, configWord] = commitmentTuple(commitment);
    expect(found?.commitment).to.deep.equal({
      snapshotHash: snapshotWord,
      modelHash: modelWord,
      configHash: configWord,
    });
    const old = await findRebalanced(
      logsProvider([{ topics: log.topics, data: "0x", transactionHash: `0x${"ef".repeat(32)}`, blockNumber: 7 }]),
      codec,
      ALLOCATOR,
      id("d-1"),
    );
    expect(old?.txHash).to.equal(`0x${"ef".repeat(32)}`);
    expect(old).to.not.have.property("commitment");
  });
});
