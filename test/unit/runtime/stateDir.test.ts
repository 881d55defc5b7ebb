// Issue 14 finding 1, the rules on their own: what each kind of start does to each kind of state directory.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { ConfigError } from "../../../src/domain/errors.ts";
import { claimStateDir, MARK_FILE } from "../../../src/runtime/stateDir.ts";

const fresh = () => mkdtempSync(join(tmpdir(), "keel-statedir-"));
const refused = (fn: () => void, re: RegExp) => expect(fn).to.throw(ConfigError, re);

describe("state directory claims (devnet or live, never both)", () => {
  it("a devnet claims an empty directory (the lock files do not count) and clears only its own intents and proposals", () => {
    const dir = fresh();
    writeFileSync(join(dir, "keel.lock.db"), "");
    writeFileSync(join(dir, "keel.pid"), "1\n");
    claimStateDir(dir, { kind: "devnet" });
    expect(JSON.parse(readFileSync(join(dir, MARK_FILE), "utf8")).kind).to.equal("devnet");
    writeFileSync(join(dir, "intents.json"), "{}");
    mkdirSync(join(dir, "proposals"));
    mkdirSync(join(dir, "journal"));
    claimStateDir(dir, { kind: "devnet" });
    expect(existsSync(join(dir, "intents.json"))).to.equal(false);
    expect(existsSync(join(dir, "proposals"))).to.equal(false);
    expect(existsSync(join(dir, "journal"))).to.equal(true);
  });

  it("a live start marks a directory with its chain id, and refuses it for another chain or a devnet", () => {
    const dir = fresh();
    writeFileSync(join(dir, "intents.json"), "{}");
    claimStateDir(dir, { kind: "live", chainId: 1 });
    claimStateDir(dir, { kind: "live", chainId: 1 });
    refused(() => claimStateDir(dir, { kind: "live", chainId: 10 }), /state of chain 1/);
    refused(() => claimStateDir(dir, { kind: "devnet" }), /held a live chain \(chain id 1\)/);
    expect(readFileSync(join(dir, "intents.json"), "utf8")).to.equal("{}");
  });

  it("a devnet's directory is refused by a live start; an unreadable mark is refused by both", () => {
    const dir = fresh();
    claimStateDir(dir, { kind: "devnet" });
    refused(() => claimStateDir(dir, { kind: "live", chainId: 1 }), /belongs to the embedded devnet/);
    writeFileSync(join(dir, MARK_FILE), "garbage");
    refused(() => claimStateDir(dir, { kind: "devnet" }), /unreadable/);
    refused(() => claimStateDir(dir, { kind: "live", chainId: 1 }), /unreadable/);
  });
});
