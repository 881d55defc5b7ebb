// A process that takes keel's state-directory lock for the lock tests: it prints `ready`, waits
// for a `go` line on stdin (so many can start at once), tries the lock, prints `held` or
// `locked <code>`, and holds it until stdin closes or it is killed.
import { createInterface } from "node:readline";
import { acquireLock } from "../../src/runtime/lock.ts";

const dir = process.argv[2] ?? "";
const lines = createInterface({ input: process.stdin });
process.stdout.write("ready\n");
lines.on("line", (line) => {
  if (line !== "go") return;
  try {
    acquireLock(dir);
    process.stdout.write("held\n");
  } catch (err) {
    process.stdout.write(`locked ${(err as { code?: string }).code ?? "?"}\n`);
  }
});
lines.on("close", () => process.exit(0));
