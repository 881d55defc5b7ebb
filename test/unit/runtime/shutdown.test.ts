import { expect } from "chai";
import pino from "pino";
import { createShutdown } from "../../../src/runtime/shutdown.ts";

const logger = pino({ level: "silent" });

describe("shutdown", () => {
  it("aborts the signal and runs closers once, in reverse order of registration", async () => {
    const s = createShutdown({ graceMs: 1_000 }, { logger });
    const order: string[] = [];
    s.onClose("first", () => void order.push("first"));
    s.onClose("second", async () => void order.push("second"));
    const a = s.close("test");
    const b = s.close("again");
    await Promise.all([a, b]);
    expect(order).to.deep.equal(["second", "first"]);
    expect(s.signal.aborted).to.equal(true);
    expect(await s.requested).to.equal("test");
  });

  it("keeps closing when a closer throws", async () => {
    const s = createShutdown({ graceMs: 1_000 }, { logger });
    const order: string[] = [];
    s.onClose("ok", () => void order.push("ok"));
    s.onClose("bad", () => {
      throw new Error("boom");
    });
    await s.close("test");
    expect(order).to.deep.equal(["ok"]);
  });

  it("gives up on a closer that outlives the grace period", async () => {
    const s = createShutdown({ graceMs: 20 }, { logger });
    s.onClose("hangs", () => new Promise<void>(() => {}));
    await s.close("test");
    expect(s.signal.aborted).to.equal(true);
  });
});
