/** TensorFlow.js on the pure WebAssembly backend (never tfjs-node): set up once per process. */
import { createRequire } from "node:module";
import { dirname } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

let ready: Promise<typeof tf> | undefined;

/** Initialises the wasm backend (files from the installed package, no download) and returns tf. */
export function tfWasm(): Promise<typeof tf> {
  ready ??= (async () => {
    const require = createRequire(import.meta.url);
    setWasmPaths(`${dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"))}/`);
    await tf.setBackend("wasm");
    await tf.ready();
    return tf;
  })();
  return ready;
}
