// Issue 14 finding 7: the pretty logger was handed an object that is not a stream and crashed the
// process ("stream.on is not a function", exit 75) on a terminal and with `log.format: pretty`.
import { PassThrough } from "node:stream";
import { expect } from "chai";
import { readSecret } from "../../../src/config/secrets.ts";
import { createLogger } from "../../../src/observability/logger.ts";

function capture(isTTY: boolean): { stream: NodeJS.WritableStream; text: () => string } {
  const stream = new PassThrough();
  let out = "";
  stream.on("data", (d: Buffer) => {
    out += d.toString("utf8");
  });
  Object.assign(stream, { isTTY });
  return { stream, text: () => out };
}

describe("logger", () => {
  for (const [format, isTTY] of [
    ["pretty", false],
    ["pretty", true],
    ["auto", true],
  ] as const) {
    it(`log.format ${format} on ${isTTY ? "a terminal" : "a pipe"} prints readable lines, scrubbed of secrets`, () => {
      readSecret({ env: "KEEL_TEST_LOG_SECRET" }, { KEEL_TEST_LOG_SECRET: "sekrit-rpc-key-123" });
      const out = capture(isTTY);
      const logger = createLogger({ level: "info", format, destination: out.stream });
      logger.child({ module: "test" }).info({ url: "https://rpc/sekrit-rpc-key-123" }, "hello terminal");
      expect(out.text()).to.contain("hello terminal");
      expect(out.text()).to.not.match(/^\{/);
      expect(out.text()).to.not.contain("sekrit-rpc-key-123");
    });
  }

  it("log.format auto on a pipe writes JSON lines", () => {
    const out = capture(false);
    createLogger({ level: "info", format: "auto", destination: out.stream }).info("plain");
    expect(JSON.parse(out.text().trim()).msg).to.equal("plain");
  });
});
