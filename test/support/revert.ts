import { expect } from "chai";
import type { BaseContract, Interface } from "ethers";

/** Digs the raw revert data out of whatever ethers / the provider threw. */
export function revertData(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  const stack: unknown[] = [err];
  while (stack.length > 0) {
    const e = stack.pop();
    if (e === null || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    const o = e as Record<string, unknown>;
    if (typeof o.data === "string" && o.data.startsWith("0x")) return o.data;
    if (o.data && typeof o.data === "object") {
      const d = o.data as Record<string, unknown>;
      if (typeof d.data === "string" && d.data.startsWith("0x")) return d.data;
    }
    for (const k of ["error", "info", "cause", "revert", "payload"]) if (o[k]) stack.push(o[k]);
  }
  return undefined;
}

/**
 * Awaits `action` and asserts it reverted with the custom error `name` of `iface` (a contract or its
 * interface), and, when given, with exactly `args`. Returns the decoded arguments.
 */
export async function expectRevert(
  action: Promise<unknown> | (() => Promise<unknown>),
  iface: BaseContract | Interface,
  name: string,
  args?: readonly unknown[],
): Promise<readonly unknown[]> {
  const itf = "interface" in iface ? iface.interface : iface;
  let thrown: unknown;
  try {
    await (typeof action === "function" ? action() : action);
  } catch (e) {
    thrown = e;
  }
  if (thrown === undefined) expect.fail(`expected revert ${name}, but the call succeeded`);
  const data = revertData(thrown);
  if (data === undefined) expect.fail(`expected revert ${name}, got an error without revert data: ${String(thrown)}`);
  const parsed = itf.parseError(data);
  if (!parsed) expect.fail(`expected revert ${name}, got undecodable revert data ${data.slice(0, 10)}`);
  expect(parsed.name, `revert error (data ${data.slice(0, 10)})`).to.equal(name);
  const decoded = [...parsed.args] as unknown[];
  if (args) expect(decoded.map(normalise)).to.deep.equal(args.map(normalise));
  return decoded;
}

function normalise(v: unknown): unknown {
  return typeof v === "string" && /^0x[0-9a-fA-F]{40}$/.test(v) ? v.toLowerCase() : v;
}

/**
 * Awaits `action` (a transaction: sent and mined); returns undefined when it succeeded, else the name of the custom
 * error `iface` decodes from the revert ("unknown: …" when it does not).
 */
export async function revertNameOf(
  action: Promise<{ wait(): Promise<unknown> }>,
  iface: Interface,
): Promise<string | undefined> {
  try {
    await (await action).wait();
    return undefined;
  } catch (e) {
    const data = revertData(e);
    return (data && iface.parseError(data)?.name) ?? `unknown: ${String(e).slice(0, 120)}`;
  }
}
