import type { ArchHooks } from '../arch/hooks.ts';
import type { Kernel } from '../kernel/kernel.ts';
import { readU32le } from '../kernel/le.ts';
import type { Memory } from '../kernel/memory.ts';
import { TEXT_MUTEX } from '../kernel/mutexes.ts';
import { EBUSY } from '../kernel/types.ts';
import type { Addr, Op } from '../kernel/types.ts';

/**
 * x86: the 8-byte load that snapshots the 5-byte window starts this many bytes before it, so the
 * window is the load's top five bytes (see snapshot()).
 */
export const X86_SNAPSHOT_LEAD = 3;

/**
 * The largest index the x86 snapshot decodes exactly (2^21): see decodeX86Snapshot. Far above any
 * reachable capacity (4 KiB pages, 24-byte entries, MAX_PAGE_ORDER 10: 174,080 entries).
 */
export const X86_SNAPSHOT_EXACT_BELOW = 2 ** 21;

/**
 * The five window bytes from the value of the 8-byte load at window − 3 (bytes 3..7 of the load).
 *
 * The kernel would do `u64 w = READ_ONCE(*(u64 *)(ip - KFUNC_MD_INSN_OFFSET - 3)); insn = w >> 24;`
 * (one load: a single access inside a cache line, so one snapshot). The simulation's load64
 * returns a JS number, exact below 2^53 and rounded to the nearest double above it. The bits
 * come out exact wherever it matters:
 * - index < 2^21 (bytes 6, 7 of the load below 0x20 and 0): the value is below 2^53, all exact;
 * - above 2^53 the error is at most 2^10, so it only touches the three lead bytes, except that
 *   rounding up can carry into the opcode byte (0xb7 read as 0xb8, or 0xb8 as 0xb9) when the lead
 *   bytes are within 2^10 of 0xffffff; the carry stops there, so the index bytes stay exact. A
 *   0xb7 read as 0xb8 names an index ≥ 2^21: past every capacity, and the md check rejects it
 *   anyway. The NOP window reads as 90 or 91 at the opcode: never an instruction.
 */
export function decodeX86Snapshot(value: number): Uint8Array {
  const out = new Uint8Array(5);
  // Stryker disable next-line EqualityOperator: a store to out[5] of a 5-byte Uint8Array is dropped
  for (let k = 0; k < 5; k++) out[k] = Math.floor(value / 2 ** (8 * (k + X86_SNAPSHOT_LEAD))) % 256;
  return out;
}

/**
 * The md window of a padded function, as the kfmd design reads and writes it: one snapshot
 * load (D16), the decision table of spec §2.4 under text_mutex, and a restore that never exposes
 * a half-cleared index (D7) and never erases bytes that are not ours (D3b).
 */
export class PaddingText {
  private readonly mem: Memory;
  /** bytes before the u32 index in the instruction: the x86 opcode (1), nothing on arm64 (0) */
  private readonly head: number;
  /** those bytes (x86: b8), when every kfunc_md_arch_pretend(i) is they followed by the LE32 index; else null */
  private readonly prefix: Uint8Array | null;

  constructor(
    kernel: Kernel,
    private readonly hooks: ArchHooks,
  ) {
    this.mem = kernel.mem;
    this.head = hooks.insnOffset - hooks.dataOffset;
    const probe = hooks.pretend(0x12345678);
    // Stryker disable next-line MethodExpression: the whole probe as prefix fails the check below: the general decode, same answers
    const prefix = probe.slice(0, this.head);
    const plain =
      probe.length === this.head + 4 &&
      readU32le(probe, this.head) === 0x12345678 &&
      equal(hooks.pretend(0).subarray(0, this.head), prefix);
    this.prefix = plain ? prefix : null;
  }

  /**
   * The window's insnSize bytes from ONE load (D16: v4's find loads the opcode, then the index
   * again, and a put in between hands it a window no single version held).
   * x86: an 8-byte load whose top five bytes are the window (always text: every padded window is
   * preceded by at least the previous body or the kCFI/NOP bytes); arm64: the aligned word.
   */
  *snapshot(ip: Addr): Op<Uint8Array> {
    const target = ip - this.hooks.insnOffset;
    if (this.hooks.arch === 'arm64') {
      const word = yield* this.mem.load32(target);
      return Uint8Array.of(word & 0xff, (word >>> 8) & 0xff, (word >>> 16) & 0xff, word >>> 24);
    }
    return decodeX86Snapshot(yield* this.mem.load64(target - X86_SNAPSHOT_LEAD));
  }

  /**
   * The slot index a window names, decoded once from a snapshot: the u32 after the opcode, if
   * the bytes are exactly kfunc_md_arch_pretend(index); null for NOPs and foreign bytes. (arm64:
   * every word is some index; the NOP word names 0xd503201f, past every capacity.)
   */
  decode(bytes: Uint8Array): number | null {
    const index = readU32le(bytes, this.head);
    const ours = this.prefix
      ? equal(bytes.subarray(0, this.head), this.prefix)
      : equal(bytes, this.hooks.pretend(index));
    return ours ? index : null;
  }

  /**
   * kfunc_md_text_poke(ip, insn, nop), the install rows of the decision table (spec §2.4), under
   * text_mutex (taken inside kfunc_md_mutex: I9 order): already equal → 0; NOPs →
   * kfunc_md_arch_poke; anything else → -EBUSY, nothing written.
   *
   * D7 on install: the x86 poke stores five bytes one at a time. A lock-free reader can snapshot
   * a mixture of NOPs and the new instruction. Any mixture with the opcode B8 but an index byte
   * still 0x90 names an index ≥ 0x90 (≥ 0x900000 unless only the low index bytes are missing);
   * the reader's bound check drops it silently (no WARN), and an in-range mixture names a slot
   * whose func is not this function (or whose users is 0), which the md check drops. So a torn
   * install can cost a reader a miss, never a wrong md. With ascending stores (the default) and
   * with the opcode stored last, no mixture with the opcode set is in range at all.
   */
  *install(ip: Addr, insn: Uint8Array): Op<number> {
    const target = ip - this.hooks.insnOffset;
    yield* this.mem.mutexLock(TEXT_MUTEX);
    let ret = -EBUSY;
    if (yield* this.holds(target, insn)) ret = 0;
    else if (yield* this.holds(target, this.hooks.nops())) ret = yield* this.hooks.poke(target, insn);
    yield* this.mem.mutexUnlock(TEXT_MUTEX);
    return ret;
  }

  /**
   * kfunc_md_text_poke(ip, NULL, nop), stricter than v4's restore row: the NOPs go back only if
   * the window still holds this slot's instruction (D3b: foreign bytes are someone else's).
   * Returns whether it wrote.
   *
   * D7 on restore: v4's single 5-byte poke, with the index bytes stored before the opcode, lets
   * a reader see `b8 90 00 00 00` = index 144, in range and wrong (D7-index). Here the restore
   * disarms first: one poke that changes only the opcode to the NOP byte (`90 i0 i1 i2 i3`, which
   * no decoder reads as an instruction), text_poke_sync(), then the poke of the NOPs, which
   * changes only bytes behind an opcode that is already 0x90. Every state a reader can snapshot
   * is the old instruction or not an instruction, whatever order text_poke stores the bytes in.
   * On arm64 the one aligned word store is atomic: one poke.
   */
  *restoreIfHolds(ip: Addr, insn: Uint8Array): Op<boolean> {
    const target = ip - this.hooks.insnOffset;
    const nops = this.hooks.nops();
    yield* this.mem.mutexLock(TEXT_MUTEX);
    const ours = yield* this.holds(target, insn);
    if (ours) {
      if (this.head > 0) {
        // Stryker disable next-line MethodExpression: pretend() returns a fresh array: disarming it in place changes nobody's copy
        const disarmed = insn.slice();
        disarmed.set(nops.subarray(0, this.head));
        yield* this.hooks.poke(target, disarmed);
      }
      yield* this.hooks.poke(target, nops);
    }
    yield* this.mem.mutexUnlock(TEXT_MUTEX);
    return ours;
  }

  /** memcmp(target, bytes, KFUNC_MD_INSN_SIZE) == 0 against live text, byte loads (text_mutex held: no poke races it). */
  private *holds(target: Addr, bytes: Uint8Array): Op<boolean> {
    for (let i = 0; i < bytes.length; i++) {
      if ((yield* this.mem.load8(target + i)) !== bytes[i]) return false;
    }
    return true;
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
