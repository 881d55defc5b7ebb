import { expect } from "chai";
import {
  IDEMPOTENT_METHODS,
  isTransientRpcError,
  methodLabel,
  validateResponse,
} from "../../../src/adapters/chain/validate.ts";

const HASH = `0x${"ab".repeat(32)}`;
const ok = (result: unknown, id: unknown = 7) => ({ jsonrpc: "2.0", id, result });

describe("JSON-RPC response validation", () => {
  it("accepts well-typed results and returns them", () => {
    expect(validateResponse("eth_blockNumber", 7, ok("0x1a"))).to.deep.equal({ kind: "result", result: "0x1a" });
    expect(validateResponse("eth_call", 7, ok("0x"))).to.deep.equal({ kind: "result", result: "0x" });
    expect(validateResponse("eth_getTransactionReceipt", 7, ok(null))).to.deep.equal({ kind: "result", result: null });
  });

  it("rejects a result of the wrong type for its method", () => {
    expect(validateResponse("eth_blockNumber", 7, ok(26))).to.be.a("string");
    expect(validateResponse("eth_blockNumber", 7, ok("0x"))).to.be.a("string");
    expect(validateResponse("eth_blockNumber", 7, ok("1a"))).to.be.a("string");
    expect(validateResponse("eth_call", 7, ok("0xabc"))).to.be.a("string");
    expect(validateResponse("eth_sendRawTransaction", 7, ok("0x1234"))).to.be.a("string");
    expect(validateResponse("eth_getLogs", 7, ok({}))).to.be.a("string");
  });

  it("rejects a block with a missing or malformed field", () => {
    const block = { number: "0x1", hash: HASH, parentHash: HASH, timestamp: "0x5", gasLimit: "0x10" };
    expect(validateResponse("eth_getBlockByNumber", 7, ok(block))).to.deep.include({ kind: "result" });
    expect(validateResponse("eth_getBlockByNumber", 7, ok({ ...block, timestamp: undefined }))).to.include("timestamp");
    expect(validateResponse("eth_getBlockByNumber", 7, ok({ ...block, hash: "0x12" }))).to.include("hash");
  });

  it("accepts a pending block without a hash, but never a latest one", () => {
    const pending = { number: null, hash: null, parentHash: HASH, timestamp: "0x5", gasLimit: "0x10" };
    expect(validateResponse("eth_getBlockByNumber", 7, ok(pending), ["pending", false])).to.deep.include({
      kind: "result",
    });
    expect(validateResponse("eth_getBlockByNumber", 7, ok(pending), ["latest", false])).to.be.a("string");
  });

  it("rejects a response whose id is not the request's, or without a JSON-RPC envelope", () => {
    expect(validateResponse("eth_blockNumber", 7, ok("0x1", 8))).to.include("id");
    expect(validateResponse("eth_blockNumber", 7, { id: 7, result: "0x1" })).to.include("jsonrpc");
    expect(validateResponse("eth_blockNumber", 7, [ok("0x1")])).to.be.a("string");
    expect(validateResponse("eth_blockNumber", 7, { jsonrpc: "2.0", id: 7 })).to.include("neither");
  });

  it("passes a well-formed node error through and rejects a malformed one", () => {
    const err = { jsonrpc: "2.0", id: 7, error: { code: 3, message: "execution reverted", data: "0x08c379a0" } };
    expect(validateResponse("eth_call", 7, err)).to.deep.equal({ kind: "error", error: err.error });
    expect(validateResponse("eth_call", 7, { jsonrpc: "2.0", id: 7, error: "boom" })).to.include("malformed");
  });

  it("classifies rate limits as transient and reverts as final", () => {
    expect(isTransientRpcError({ code: -32005, message: "limit exceeded" })).to.equal(true);
    expect(isTransientRpcError({ code: 429, message: "Too Many Requests" })).to.equal(true);
    expect(isTransientRpcError({ code: 3, message: "execution reverted" })).to.equal(false);
  });

  it("treats only reads as idempotent, and keeps metric labels bounded", () => {
    expect(IDEMPOTENT_METHODS.has("eth_call")).to.equal(true);
    expect(IDEMPOTENT_METHODS.has("eth_sendRawTransaction")).to.equal(false);
    expect(IDEMPOTENT_METHODS.has("eth_sendTransaction")).to.equal(false);
    expect(methodLabel("eth_getLogs")).to.equal("eth_getLogs");
    expect(methodLabel("hardhat_mine")).to.equal("other");
  });
});
