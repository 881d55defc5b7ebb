import { existsSync, readFileSync } from "node:fs";
import { expect } from "chai";
import { Interface, type TransactionRequest } from "ethers";
import { GENERATED_PATH, generateAbis, SOURCES } from "../../../scripts/gen-abis.ts";
import * as generated from "../../../src/adapters/ethers/abi/generated.ts";
import { AggregatorV3InterfaceAbi, KeelAllocatorAbi, SafeAbi } from "../../../src/adapters/ethers/abi/generated.ts";
import { read, typedContract } from "../../../src/adapters/ethers/typedContract.ts";

describe("generated ABIs (one ABI source)", () => {
  it("the committed src/adapters/ethers/abi/generated.ts is what scripts/gen-abis.ts makes of the current artifacts", () => {
    // Throws "run `npx hardhat build` first" when keel's contracts are not compiled: the check never passes unseen.
    const fresh = generateAbis();
    expect(existsSync(GENERATED_PATH), "generated.ts is committed").to.equal(true);
    expect(readFileSync(GENERATED_PATH, "utf8") === fresh, "generated.ts is stale: run `npm run gen:abis`").to.equal(
      true,
    );
  });

  it("each contract's ABI holds exactly its artifact's items, the ones it shares with others included", () => {
    const ROOT = new URL("../../../", import.meta.url).pathname;
    const exported = generated as unknown as Record<string, readonly unknown[]>;
    for (const [name, path] of Object.entries(SOURCES)) {
      const artifact = (JSON.parse(readFileSync(ROOT + path, "utf8")) as { abi: unknown[] }).abi;
      const items = (abi: readonly unknown[]) => abi.map((item) => JSON.stringify(item)).sort();
      expect(items(exported[`${name}Abi`] ?? []), name).to.deep.equal(items(artifact));
    }
  });
});

describe("typed contract calls", () => {
  /** A runner that answers every eth_call with `answer` encoded for the function called, recording the requests. */
  const runner = (abi: Interface, answer: (fn: string) => unknown[]) => {
    const calls: TransactionRequest[] = [];
    return {
      calls,
      provider: null,
      async call(tx: TransactionRequest): Promise<string> {
        calls.push(tx);
        const fn = abi.parseTransaction({ data: String(tx.data) })!;
        return abi.encodeFunctionResult(fn.fragment, answer(fn.name));
      },
    };
  };

  it("read encodes the arguments, passes the block tag and decodes a single output to its value", async () => {
    const iface = new Interface(KeelAllocatorAbi);
    const r = runner(iface, () => [2_500n]);
    const adapter = "0x00000000000000000000000000000000000000aa";
    const alloc = typedContract("0x00000000000000000000000000000000000000bb", KeelAllocatorAbi, r);
    const cap = await read(alloc, "adapterCapBps", [adapter], { blockTag: 7 });
    expect(cap).to.equal(2_500n);
    expect(r.calls[0]?.blockTag).to.equal(7);
    expect(r.calls[0]?.data).to.equal(iface.encodeFunctionData("adapterCapBps", [adapter]));
  });

  it("read decodes several outputs to an indexable tuple and a struct to its named fields", async () => {
    const feed = new Interface(AggregatorV3InterfaceAbi);
    const round = await read(
      typedContract(
        "0x00000000000000000000000000000000000000cc",
        AggregatorV3InterfaceAbi,
        runner(feed, () => [3n, 99n, 1n, 2n, 3n]),
      ),
      "latestRoundData",
      [],
    );
    expect([round[0], round[1]]).to.deep.equal([3n, 99n]);
    const iface = new Interface(KeelAllocatorAbi);
    const bounds = await read(
      typedContract(
        "0x00000000000000000000000000000000000000bb",
        KeelAllocatorAbi,
        runner(iface, () => [[1n, 2n, 3n, 4n, 5n, 6n]]),
      ),
      "bounds",
      [],
    );
    expect([bounds.maxMoveBps, bounds.maxDeviationBps]).to.deep.equal([1n, 6n]);
  });

  it("read of a state-changing function simulates it (an eth_call, nothing sent) and decodes what it would return", async () => {
    const safe = new Interface(SafeAbi);
    const r = runner(safe, () => [true]);
    const zero = "0x0000000000000000000000000000000000000000";
    const args = ["0x00000000000000000000000000000000000000dd", 0n, "0x", 0, 0n, 0n, 0n, zero, zero, "0x"] as const;
    const ok = await read(
      typedContract("0x00000000000000000000000000000000000000ee", SafeAbi, r),
      "execTransaction",
      args,
    );
    expect(ok).to.equal(true);
    expect(r.calls).to.have.length(1);
    expect(r.calls[0]?.data).to.equal(safe.encodeFunctionData("execTransaction", args));
  });
});
