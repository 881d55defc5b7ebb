import * as nodeFs from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Adapter } from "lowdb";
import { KeelError } from "../../domain/errors.ts";

/** The file calls a state write makes (the real `node:fs` by default; tests inject short writes and failures). */
export type FileIo = Pick<
  typeof nodeFs,
  "openSync" | "writeSync" | "fsyncSync" | "closeSync" | "renameSync" | "rmSync"
>;

function writeFailed(path: string, step: string, err: unknown): KeelError {
  const code = (err as NodeJS.ErrnoException)?.code ?? (err as Error)?.message ?? "error";
  const outcome = step === "fsync directory" ? "the new file may not be durable" : "the file is unchanged";
  return new KeelError("STATE_WRITE_FAILED", `state write to ${path} failed (${step}: ${code}); ${outcome}`, {
    retryable: true,
    context: { path, step, error: code },
    cause: err,
  });
}

/** Writes every byte of `buf`, or throws: a short write is retried until the kernel refuses or makes no progress. */
function writeAll(io: FileIo, fd: number, buf: Uint8Array): void {
  let off = 0;
  while (off < buf.length) {
    const n = io.writeSync(fd, buf, off, buf.length - off);
    if (!(n > 0))
      throw Object.assign(new Error(`write made no progress at byte ${off} of ${buf.length}`), { code: "ESHORT" });
    off += n;
  }
}

/**
 * Writes a file so that a crash or a full disk leaves either the old or the new content, never a torn
 * one: write every byte of a temp file (checking the length), fsync it, rename it over the target,
 * fsync the directory. Any failure removes the temp file and throws a retryable `STATE_WRITE_FAILED`;
 * the target is then unchanged (or, when only the directory fsync failed, not known to be durable).
 */
export function writeFileAtomic(path: string, data: string, io: FileIo = nodeFs): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  let step = "open";
  try {
    const fd = io.openSync(tmp, "w", 0o600);
    try {
      step = "write";
      writeAll(io, fd, Buffer.from(data, "utf8"));
      step = "fsync";
      io.fsyncSync(fd);
    } finally {
      io.closeSync(fd);
    }
    step = "rename";
    io.renameSync(tmp, path);
  } catch (err) {
    try {
      io.rmSync(tmp, { force: true });
    } catch {
      // best effort: the error that matters is the write's
    }
    throw writeFailed(path, step, err);
  }
  try {
    const dirFd = io.openSync(dirname(path), "r");
    try {
      io.fsyncSync(dirFd);
    } finally {
      io.closeSync(dirFd);
    }
  } catch (err) {
    throw writeFailed(path, "fsync directory", err);
  }
}

/** A lowdb adapter over a JSON file written with `writeFileAtomic`; bigints are stored as strings. */
export class AtomicJsonFile<T> implements Adapter<T> {
  readonly #path: string;
  constructor(path: string) {
    this.#path = path;
  }

  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.#path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
    return JSON.parse(text) as T;
  }

  async write(data: T): Promise<void> {
    writeFileAtomic(
      this.#path,
      JSON.stringify(data, (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
    );
  }
}
