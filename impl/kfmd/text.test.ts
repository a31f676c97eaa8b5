import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KfuncMdStore } from '../contract/index.ts';
import type { Kernel } from '../kernel/kernel.ts';
import type { Op } from '../kernel/types.ts';
import { v4 } from '../v4/store.ts';
import { kernelWith, lockedGet, run, x86 } from '../testing/fixtures.ts';
import { Stepper } from '../testing/stepper.ts';
import { X86_SNAPSHOT_EXACT_BELOW, decodeX86Snapshot } from './text.ts';
import { kfmd } from './store.ts';

/** Every order text_poke could store the five bytes in. */
function permutations(xs: readonly number[]): number[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}
const ORDERS = permutations([0, 1, 2, 3, 4]);

/** x86 A16 with one real-sized array (8 KiB pages: 341 kfmd slots, 512 v4 slots), so a torn index 0x90 is in range. */
function big(order: readonly number[], impl = kfmd) {
  const k = kernelWith(x86(), 4, { pageSize: 8192, maxOrder: 0, pokeByteOrder: order });
  const s = impl.create(k);
  const ip = (i: number): number => k.fn(`f${i}`).ip;
  return { k, s, ip, window: (i: number) => [...k.mem.peekBytes(ip(i) - 16, 5)] };
}

/** The window as the model's decoder reads it: an index when it starts with B8 (mov $imm32,%eax). */
function decodes(bytes: readonly number[]): number | null {
  return bytes[0] === 0xb8 ? (bytes[1] | (bytes[2] << 8) | (bytes[3] << 16) | (bytes[4] << 24)) >>> 0 : null;
}

/**
 * Run `op` on cpu0 one step at a time; after each step record f0's window and run a reader on
 * cpu1 (the lock-free trampoline, rcu or not).
 */
function stepWithReaders(k: Kernel, s: KfuncMdStore, op: Op<unknown>, ip: number) {
  const seen: { window: number[]; md: number; func: number; users: number }[] = [];
  const w = new Stepper(k, 0, op);
  while (!w.done) {
    w.resume();
    const view = run(k, s.trampoline(ip, { rcu: true }), 1);
    seen.push({ window: [...k.mem.peekBytes(ip - 16, 5)], ...view });
  }
  return seen;
}

describe('kfmd text: D7, a torn x86 window never yields a wrong md', () => {
  it('restore: in every byte order, no state between the instruction and the NOPs decodes as an index', () => {
    for (const order of ORDERS) {
      const { k, s, ip } = big(order);
      const md = run(k, lockedGet(s, ip(0)));
      const seen = stepWithReaders(k, s, s.put(md), ip(0));
      for (const { window, md: got, func } of seen) {
        const index = decodes(window);
        // only the old, complete instruction (index 0) ever decodes; readers see f0's md or nothing
        if (index !== null) expect(window).toEqual([0xb8, 0, 0, 0, 0]);
        if (got !== 0) expect(func).toBe(ip(0));
      }
      expect(k.warnings).toHaveLength(0);
    }
  });

  it("restore, the control: v4's single poke with the index bytes first shows b8 90 00 00 00 = index 144, in range", () => {
    const { k, s, ip } = big([1, 2, 3, 4, 0], v4);
    const md = run(k, lockedGet(s, ip(0)));
    const w = new Stepper(k, 0, s.put(md));
    const windows: number[][] = [];
    while (!w.done) {
      w.resume();
      windows.push([...k.mem.peekBytes(ip(0) - 16, 5)]);
    }
    expect(windows.map(decodes)).toContain(144);
  });

  it('install: in every byte order, a reader at each step gets a miss or the complete md, and never a WARN', () => {
    for (const order of ORDERS) {
      const { k, s, ip } = big(order);
      run(k, lockedGet(s, ip(1))); // slot 0 is f1's: a torn index naming it must not become f0's md
      const seen = stepWithReaders(k, s, lockedGet(s, ip(0)), ip(0));
      for (const { md, func, users } of seen) if (md !== 0) expect({ func, users }).toEqual({ func: ip(0), users: 1 });
      expect(seen.some((v) => v.md !== 0)).toBe(true);
      expect(k.warnings).toHaveLength(0);
    }
  });

  it('install with ascending stores (the default) or the opcode last: no torn state even decodes below the capacity', () => {
    for (const order of [
      [0, 1, 2, 3, 4],
      [4, 3, 2, 1, 0],
      [1, 2, 3, 4, 0],
    ]) {
      const { k, s, ip } = big(order);
      const w = new Stepper(k, 0, lockedGet(s, ip(0)));
      const count = (): number => s.inspect().count;
      while (!w.done) {
        w.resume();
        const window = [...k.mem.peekBytes(ip(0) - 16, 5)];
        const index = decodes(window);
        if (index !== null && index < count()) expect(window).toEqual([0xb8, 0, 0, 0, 0]);
      }
    }
  });
});

describe('kfmd text: D16, the one-load snapshot decodes exactly', () => {
  /** What the simulation's load64 returns for eight LE bytes: a JS number, rounded above 2^53. */
  const load64 = (bytes: readonly number[]): number =>
    Number(bytes.reduceRight((acc, b) => (acc << 8n) | BigInt(b), 0n));

  it('every window with an index below 2^21 comes back byte for byte, whatever the three bytes before it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 3, maxLength: 3 }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: X86_SNAPSHOT_EXACT_BELOW - 1 }),
        (lead, opcode, index) => {
          const window = [opcode, index & 0xff, (index >>> 8) & 0xff, (index >>> 16) & 0xff, index >>> 24];
          expect([...decodeX86Snapshot(load64([...lead, ...window]))]).toEqual(window);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('above 2^53 the index bytes stay exact, and a window reads as b8 only if it holds b8 or b7', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 8, maxLength: 8 }),
        fc.constantFrom([], [0xff, 0xff, 0xff], [0xff, 0xff, 0xfe], [0, 0, 0]),
        (bytes, leadOverride) => {
          const b = [...leadOverride, ...bytes.slice(leadOverride.length)];
          const got = decodeX86Snapshot(load64(b));
          if (got[0] === 0xb8) {
            expect([0xb7, 0xb8]).toContain(b[3]);
            expect([...got.slice(1)]).toEqual(b.slice(4));
          }
        },
      ),
      { numRuns: 2000 },
    );
    // the NOP window never reads as an instruction, whatever precedes it
    for (const lead of [
      [0, 0, 0],
      [0xff, 0xff, 0xff],
      [0xc3, 0xcc, 0xcc],
    ]) {
      expect(decodeX86Snapshot(load64([...lead, 0x90, 0x90, 0x90, 0x90, 0x90]))[0]).not.toBe(0xb8);
    }
  });
});
