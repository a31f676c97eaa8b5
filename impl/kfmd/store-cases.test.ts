import { describe, expect, it } from 'vitest';
import type { ArchHooks } from '../arch/hooks.ts';
import { hooksFor } from '../arch/select.ts';
import type { Kernel } from '../kernel/kernel.ts';
import { EBUSY } from '../kernel/types.ts';
import type { Op, Step } from '../kernel/types.ts';
import type { KernelSpec } from '../kernel/spec.ts';
import { arm64, bytesAt, kernelWith, lockedGet, run, staticAddrOf, x86 } from '../testing/fixtures.ts';
import { Stepper } from '../testing/stepper.ts';
import { KFMD_MD_SEQ, KFMD_MD_SIZE } from './layout.ts';
import { kfmd } from './store.ts';
import { PaddingText } from './text.ts';

const NOPS = [0x90, 0x90, 0x90, 0x90, 0x90];
const movEax = (index: number) => [0xb8, index & 0xff, (index >> 8) & 0xff, 0, 0];

/** two 24-byte entries per 64-byte page, as kfmd.test.ts */
function setup(n = 5, extra: Partial<KernelSpec> = {}, options: KernelSpec['options'] = x86()) {
  const k = kernelWith(options, n, { pageSize: 64, ...extra });
  const s = kfmd.create(k);
  const ip = (i: number) => k.fn(`f${i}`).ip;
  const get = (i: number) => run(k, lockedGet(s, ip(i)));
  return { k, s, ip, get };
}

function traced<T>(k: Kernel, op: Op<T>, cpu = 0): { value: T; steps: Step[] } {
  const steps: Step[] = [];
  k.mem.currentCpu = cpu;
  for (let r = op.next(); ; r = op.next()) {
    if (r.done === true) return { value: r.value, steps };
    if (r.value.blocked === true) throw new Error(`blocked: ${r.value.note ?? r.value.kind}`);
    steps.push(r.value);
  }
}

describe('kfmd: the array', () => {
  it('finds every slot, and keeps each grown-out array, oldest first; pointers into any of them name their slot', () => {
    const { k, s, ip, get } = setup();
    const md0 = get(0);
    const a0 = s.inspect().arrayBase;
    const md1 = get(1);
    expect(md1).toBe(md0 + KFMD_MD_SIZE);
    expect(run(k, s.find(ip(1)))).toBe(md1);
    const md2 = get(2); // grows to 4
    const a1 = s.inspect().arrayBase;
    expect(md2).toBe(a1 + 2 * KFMD_MD_SIZE);
    expect(s.inspect().retained).toEqual([a0]);
    expect(s.inspect().entries.map((e) => [e.md - a1, e.users])).toEqual([
      [0, 1],
      [24, 1],
      [48, 1],
      [72, 0],
    ]);
    expect(get(3)).toBe(a1 + 3 * KFMD_MD_SIZE);
    expect(get(4)).toBe(s.inspect().arrayBase + 4 * KFMD_MD_SIZE); // grows to 8
    const a2 = s.inspect().arrayBase;
    expect(s.inspect().retained).toEqual([a0, a1]);
    expect(s.inspect()).toMatchObject({ count: 8, used: 5 });
    expect(
      s
        .inspect()
        .entries.slice(5)
        .map((e) => e.users),
    ).toEqual([0, 0, 0]);
    run(k, s.put(md1));
    run(k, s.put(a2 + 4 * KFMD_MD_SIZE));
    expect(s.inspect().entries.map((e) => e.users)).toEqual([1, 0, 1, 1, 0, 0, 0, 0]);
    expect(s.inspect().used).toBe(3);
    expect(bytesAt(k, ip(1) - 16, 5)).toEqual(NOPS);
    expect(k.warnings).toHaveLength(0);
    expect(k.violations).toHaveLength(0);
  });

  it('stops growing at MAX_PAGE_ORDER without asking the page allocator, so without its WARN', () => {
    const { k, s, ip, get } = setup(5, { maxOrder: 1 });
    for (let i = 0; i < 4; i++) expect(get(i)).not.toBe(0);
    expect(k.pages.attempts).toBe(2);
    expect(get(4)).toBe(0);
    expect(k.pages.attempts).toBe(2);
    expect(s.inspect()).toMatchObject({ count: 4, used: 4 });
    expect(bytesAt(k, ip(4) - 16, 5)).toEqual(NOPS);
    expect(k.warnings).toEqual([]);
  });

  it('an allocation failure fails the get and leaves everything as it was', () => {
    const { k, s, get } = setup();
    k.pages.failNextAllocations(1);
    expect(get(0)).toBe(0);
    expect(s.inspect()).toMatchObject({ arrayBase: 0, used: 0 });
    get(0);
    get(1);
    const before = s.inspect();
    k.pages.failNextAllocations(1);
    expect(get(2)).toBe(0);
    expect(s.inspect()).toEqual(before);
    expect(get(2)).not.toBe(0);
    expect(k.violations).toHaveLength(0);
  });

  it('the bitmap over several levels: lowest free slot first, full at 170, the 171st grows', () => {
    const k = kernelWith(x86(), 175, { pageSize: 4096 }); // 170 entries per page: a 6-word level under a 1-word one
    const s = kfmd.create(k);
    const get = (i: number) => run(k, lockedGet(s, k.fn(`f${i}`).ip));
    const mds = Array.from({ length: 170 }, (_, i) => get(i));
    const base = s.inspect().arrayBase;
    expect(mds.map((m) => (m - base) / KFMD_MD_SIZE)).toEqual(Array.from({ length: 170 }, (_, i) => i));
    const grownAt = (m: number) => (m - s.inspect().arrayBase) / KFMD_MD_SIZE;
    expect(grownAt(get(170))).toBe(170);
    expect(s.inspect().count).toBe(340);
    expect(grownAt(get(171))).toBe(171);
    run(k, s.putByIp(k.fn('f35').ip));
    run(k, s.putByIp(k.fn('f5').ip));
    expect(grownAt(get(172))).toBe(5);
    expect(grownAt(get(173))).toBe(35);
    expect(grownAt(get(174))).toBe(172);
    expect(k.violations).toHaveLength(0);
  });
});

describe('kfmd: seqcount and grace periods', () => {
  it('a claim moves seq to odd, then to the next even value', () => {
    const { k, s, ip, get } = setup();
    get(1); // the array exists: the only store64 of the next get is md->func
    const w = new Stepper(k, 0, lockedGet(s, ip(0)));
    w.runUntil((st) => st.kind === 'store64'); // after write_seqcount_begin
    const md = s.inspect().arrayBase + KFMD_MD_SIZE;
    expect(k.mem.peek32(md + KFMD_MD_SEQ)).toBe(1);
    expect(w.finish()).toBe(md);
    expect(k.mem.peek32(md + KFMD_MD_SEQ)).toBe(2);
    run(k, s.put(md));
    expect(get(2)).toBe(md);
    expect(k.mem.peek32(md + KFMD_MD_SEQ)).toBe(4);
  });

  it('a reader never takes an md whose seqcount is odd', () => {
    const { k, s, ip, get } = setup();
    const md = get(0);
    k.foreignWrite(md + KFMD_MD_SEQ, [3, 0, 0, 0]);
    expect(run(k, s.find(ip(0)))).toBe(0);
    expect(run(k, s.trampoline(ip(0), { rcu: false }))).toEqual({ md: 0, users: 0, func: 0 });
  });

  it('reusing a slot waits one grace period and advances kfunc_md_gp_seq by one', () => {
    const { k, s, get } = setup();
    const gp = staticAddrOf(k, 'kfunc_md_gp_seq');
    const md0 = get(0);
    run(k, s.put(md0));
    const periods = k.mem.rcu.gracePeriods;
    expect(get(1)).toBe(md0);
    expect(k.mem.rcu.gracePeriods).toBe(periods + 1);
    expect(k.mem.peek32(gp)).toBe(1);
  });
});

describe('kfmd: puts', () => {
  it('a pointer that is no md (inside an entry, before or past the array) warns and changes nothing', () => {
    const { k, s, get } = setup();
    const md0 = get(0);
    const before = s.inspect();
    for (const bad of [md0 + 4, md0 - KFMD_MD_SIZE, md0 + 2 * KFMD_MD_SIZE]) {
      const n = k.warnings.length;
      run(k, s.put(bad));
      expect(k.warnings.slice(n).map((w) => w.site)).toEqual(['put-users']);
      expect(k.warnings[n]?.message).toContain('not an md pointer');
    }
    expect(s.inspect()).toEqual(before);
  });

  it('a put of a shared md keeps the instruction and the slot', () => {
    const { k, s, ip, get } = setup();
    const md0 = get(0);
    get(0);
    run(k, s.put(md0));
    expect(bytesAt(k, ip(0) - 16, 5)).toEqual(movEax(0));
    expect(s.inspect().used).toBe(1);
    expect(s.inspect().entries[0]?.users).toBe(1);
  });

  it('put_by_ip of a function without an md changes nothing', () => {
    const { k, s, ip, get } = setup();
    get(0);
    const before = s.inspect();
    run(k, s.putByIp(ip(1)));
    expect(s.inspect()).toEqual(before);
    expect(k.warnings).toHaveLength(0);
  });
});

describe('kfmd: lookups that miss', () => {
  it('NOPs cost one snapshot load; an index at or past the capacity, one more (the count)', () => {
    const { k, s, ip, get } = setup();
    get(0);
    expect(traced(k, s.find(ip(1))).steps.map((st) => st.kind)).toEqual(['load64']);
    for (const index of [2, 3]) {
      k.foreignWrite(ip(1) - 16, movEax(index));
      const r = traced(k, s.find(ip(1)));
      expect(r.value).toBe(0);
      expect(r.steps.map((st) => st.kind)).toEqual(['load64', 'load32']);
    }
  });

  it('an index below the capacity while no array exists is a miss, not a pointer into NULL', () => {
    const { k, s, ip } = setup();
    k.foreignWrite(ip(0) - 16, movEax(1));
    const r = traced(k, s.find(ip(0)));
    expect(r.value).toBe(0);
    expect(r.steps.map((st) => st.kind)).toEqual(['load64', 'load32', 'load64']);
    expect(k.violations).toHaveLength(0);
  });
});

describe('kfmd: the text window', () => {
  it('install: 0 over NOPs or its own instruction, -EBUSY over anything else', () => {
    const k = kernelWith(x86(), 2, { pageSize: 64 });
    const hooks = hooksFor(k);
    const text = new PaddingText(k, hooks);
    const f0 = k.fn('f0').ip;
    expect(run(k, text.install(f0, hooks.pretend(3)))).toBe(0);
    const writes = k.textWrites.length;
    expect(run(k, text.install(f0, hooks.pretend(3)))).toBe(0);
    expect(k.textWrites.length).toBe(writes);
    expect(run(k, text.install(f0, hooks.pretend(4)))).toBe(-EBUSY);
    expect(bytesAt(k, f0 - 16, 5)).toEqual(movEax(3));
  });

  it('restore: x86 disarms the opcode first (two pokes), arm64 stores its one word (one poke)', () => {
    for (const options of [x86(), arm64()]) {
      const k = kernelWith(options, 2, { pageSize: 64 });
      const hooks = hooksFor(k);
      const text = new PaddingText(k, hooks);
      const f0 = k.fn('f0').ip;
      run(k, text.install(f0, hooks.pretend(7)));
      const writes = k.textWrites.length;
      expect(run(k, text.restoreIfHolds(f0, hooks.pretend(7)))).toBe(true);
      const stored = k.textWrites.slice(writes).map((w) => w.after);
      // x86: 90 07 00 00 00 (disarmed), then the five NOPs; arm64: the NOP word, once
      expect(stored).toEqual(options.arch === 'x86' ? [0x90, 7, 0, 0, 0, ...NOPS] : [...hooks.nops()]);
      expect(bytesAt(k, f0 - hooks.insnOffset, hooks.insnSize)).toEqual([...hooks.nops()]);
      expect(run(k, text.restoreIfHolds(f0, hooks.pretend(7)))).toBe(false);
    }
  });

  it('a get over foreign bytes fails and frees the slot it claimed', () => {
    const { k, s, ip, get } = setup();
    k.foreignWrite(ip(0) - 16, [0xcc, 0xcc, 0xcc, 0xcc, 0xcc]);
    expect(get(0)).toBe(0);
    expect(s.inspect().used).toBe(0);
    expect(s.inspect().entries.map((e) => e.users)).toEqual([0, 0]);
    expect(get(1)).toBe(s.inspect().arrayBase); // slot 0 is free again
  });

  it('an encoding that is not opcode + LE32 index is decoded by comparing the whole instruction', () => {
    const k = kernelWith(x86(), 2, { pageSize: 64 });
    const real = hooksFor(k);
    // the head byte depends on the index, and a trailing byte follows: no fixed prefix
    const pretend = (i: number) => Uint8Array.of(0xc0 | (i & 0xf), i & 0xff, (i >>> 8) & 0xff, 0, 0, 0x5a);
    const odd: ArchHooks = { ...real, insnSize: 6, pretend };
    const text = new PaddingText(k, odd);
    expect(text.decode(pretend(3))).toBe(3);
    expect(text.decode(Uint8Array.of(0xc5, 3, 0, 0, 0, 0x5a))).toBeNull();
    expect(text.decode(Uint8Array.of(0xc3, 3, 0, 0, 0, 0x00))).toBeNull();
    // same head for every index but a trailing byte: still no prefix shortcut
    const tail = (i: number) => Uint8Array.of(0xb8, i & 0xff, (i >>> 8) & 0xff, 0, 0, 0x5a);
    const withTail = new PaddingText(k, { ...real, insnSize: 6, pretend: tail });
    expect(withTail.decode(tail(9))).toBe(9);
    expect(withTail.decode(Uint8Array.of(0xb8, 9, 0, 0, 0, 0))).toBeNull();
    // the plain x86 encoding decodes by its opcode
    const plain = new PaddingText(k, real);
    expect(plain.decode(Uint8Array.from(movEax(9)))).toBe(9);
    expect(plain.decode(Uint8Array.of(0xb9, 9, 0, 0, 0))).toBeNull();
  });
});
