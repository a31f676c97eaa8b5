/** Little-endian byte helpers: every multi-byte value in the simulation is LE, like x86 and arm64. */

export function u32le(value: number): number[] {
  const v = value >>> 0;
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
}

export function u64le(value: number): number[] {
  const v = BigInt(value);
  const out: number[] = [];
  for (let i = 0n; i < 8n; i++) out.push(Number((v >> (8n * i)) & 0xffn));
  return out;
}

export function readU32le(bytes: ArrayLike<number>, off = 0): number {
  return (bytes[off] | (bytes[off + 1] << 8) | (bytes[off + 2] << 16) | (bytes[off + 3] << 24)) >>> 0;
}

/** Signed view of a u32 (struct kfunc_md.users is an `int`). */
export function toI32(value: number): number {
  return value | 0;
}

export function hex(addr: number): string {
  return `0x${addr.toString(16)}`;
}
