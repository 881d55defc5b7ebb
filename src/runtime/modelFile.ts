import { existsSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";

/** keel's install directory (the checkout, or the package in a container), where `models/` ships. */
const installRoot = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Where a model file the config names is: the path as given when it exists (absolute, or relative to
 * the working directory), else the same relative path under keel's install directory — so the shipped
 * models (the config's defaults) load from any working directory: a systemd unit, a container, an
 * operator's shell. A file found in neither place keeps the given path, for the "not found" reason.
 */
export function modelFile(path: string): string {
  if (isAbsolute(path) || existsSync(path)) return path;
  const shipped = join(installRoot, path);
  return existsSync(shipped) ? shipped : path;
}
