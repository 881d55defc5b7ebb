// Child process for the "kill during a store write" test: writes intents in a loop; after the first
// durable write it drops the marker so the parent can SIGKILL it in the middle of later writes.
import { writeFileSync } from "node:fs";
import { openIntentStore } from "../../src/adapters/execution/intentStore.ts";

const path = process.argv[2] ?? "";
const marker = process.env.KEEL_FAILPOINT_MARKER ?? "";
const store = await openIntentStore({ path, now: Date.now });
for (let i = 0; i < 20_000; i++) {
  const id = `intent-${process.pid}-${i}`;
  await store.create({
    id,
    onchainId: `0x${i.toString(16).padStart(64, "0")}`,
    decisionId: id,
    route: "direct",
    moves: [],
  });
  await store.transition(id, "cancelled", { error: { code: "TEST", message: "x".repeat(2_000) } });
  if (i === 0 && marker) writeFileSync(marker, "writing\n");
}
