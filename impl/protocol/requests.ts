import type { Addr } from '../kernel/types.ts';
import type { BootInfo } from './boot.ts';
import { PROTOCOL_VERSION } from './version.ts';

/** The verbs kfmd asks for, as the protocol names them (the kernel's, without kfunc_md_). */
export type Verb = 'lock' | 'unlock' | 'get' | 'put' | 'put_by_ip' | 'find' | 'trampoline' | 'inspect';

/** What kfmd answers a call with: a loaded value or an address, a boolean, peeked bytes in hex, nothing. */
export type Reply = number | boolean | string | null | undefined;

const U64_MAX = '18446744073709551615';

/**
 * A value as an exact decimal: the double itself, not its shortest rendering, so that C
 * arithmetic on a garbage pointer rounds back to what the TypeScript arithmetic gives.
 */
export function encodeU64(n: number): string {
  if (Number.isSafeInteger(n) && n >= 0) return String(n);
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`not a u64: ${n}`);
  // 2^64 itself (a rounded 0xffff…) does not fit: saturate like strtoull
  return n >= 2 ** 64 ? U64_MAX : BigInt(n).toString();
}

export function helloLine(): string {
  return `{"t":"hello","version":${PROTOCOL_VERSION}}`;
}

export function createLine(op: number, boot: BootInfo): string {
  return `{"t":"create","op":${op},"boot":${JSON.stringify(boot)}}`;
}

export function callLine(
  op: number,
  verb: Verb,
  args: { readonly ip?: Addr; readonly md?: Addr; readonly rcu?: boolean } = {},
): string {
  let line = `{"t":"call","op":${op},"verb":"${verb}"`;
  if (args.ip !== undefined) line += `,"ip":${encodeU64(args.ip)}`;
  if (args.md !== undefined) line += `,"md":${encodeU64(args.md)}`;
  if (args.rcu !== undefined) line += `,"rcu":${args.rcu}`;
  return `${line}}`;
}

export function okLine(op: number, value: Reply): string {
  if (value === undefined) return `{"t":"ok","op":${op}}`;
  const v = typeof value === 'number' ? encodeU64(value) : JSON.stringify(value);
  return `{"t":"ok","op":${op},"value":${v}}`;
}
