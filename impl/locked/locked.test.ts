import { describe, expect, it } from 'vitest';
import { hooksFor } from '../arch/select.ts';
import type { EntryLayout } from '../contract/index.ts';
import { V4_LOCKING } from '../contract/index.ts';
import type { Kernel } from '../kernel/kernel.ts';
import { EBUSY } from '../kernel/types.ts';
import type { Op, Step } from '../kernel/types.ts';
import { KFUNC_MD_MUTEX } from '../v4/layout.ts';
import { bytesAt, kernelWith, lockedGet, run, staticAddrOf, x86 } from '../testing/fixtures.ts';
import { Stepper } from '../testing/stepper.ts';
import { LockedStore, locked } from './store.ts';
import { TextWindow } from './text.ts';

const NOPS = [0x90, 0x90, 0x90, 0x90, 0x90];
const movEax = (index: number) => [0xb8, index & 0xff, 0, 0, 0];
// users and func away from offset 0, so an offset added the wrong way reads another field
const LAYOUT: EntryLayout = { size: 32, users: 20, func: 8 };

function setup(n = 5, extra: { maxOrder?: number } = {}) {
  const k = kernelWith(x86(), n, { pageSize: 32, ...extra }); // v4's 16-byte entries: two per page
  const s = locked.create(k);
  const ip = (i: number) => k.fn(`f${i}`).ip;
  return { k, s, ip };
}

/** Run op alone on `cpu`, recording every step it yields (none may block). */
function traced<T>(k: Kernel, op: Op<T>, cpu = 0): { value: T; steps: Step[] } {
  const steps: Step[] = [];
  k.mem.currentCpu = cpu;
  for (let r = op.next(); ; r = op.next()) {
    if (r.done === true) return { value: r.value, steps };
    if (r.value.blocked === true) throw new Error(`blocked: ${r.value.note ?? r.value.kind}`);
    steps.push(r.value);
  }
}

describe('locked store: declarations', () => {
  it('declares a padding instruction, any free slot, v4 locking, both readers, growth refused past MAX_PAGE_ORDER', () => {
    expect(locked.declares).toEqual({
      index: 'padding-insn',
      slotPolicy: 'any-free',
      locking: V4_LOCKING,
      readers: { rcu: true, norcu: true },
      pastMaxOrder: 'refuses',
    });
  });
});

describe('locked store: the array', () => {
  it('inspect before any get: no array, no entries, nothing retained', () => {
    const { s } = setup();
    expect(s.inspect()).toMatchObject({ arrayBase: 0, count: 2, used: 0, entries: [], retained: [] });
  });

  it('counts used slots, finds every slot, and keeps each grown-out array, oldest first', () => {
    const { k, s, ip } = setup();
    const md0 = run(k, lockedGet(s, ip(0)));
    const a0 = s.inspect().arrayBase;
    const md1 = run(k, lockedGet(s, ip(1)));
    expect(md1).toBe(md0 + 16);
    expect(s.inspect().used).toBe(2);
    expect(run(k, s.find(ip(1)))).toBe(md1);
    const md2 = run(k, lockedGet(s, ip(2))); // grows to 4
    const a1 = s.inspect().arrayBase;
    expect(md2).toBe(a1 + 32);
    expect(s.inspect().retained).toEqual([a0]);
    expect(s.inspect().entries.map((e) => ({ md: e.md, users: e.users }))).toEqual([
      { md: a1, users: 1 },
      { md: a1 + 16, users: 1 },
      { md: a1 + 32, users: 1 },
      { md: a1 + 48, users: 0 },
    ]);
    run(k, lockedGet(s, ip(3)));
    run(k, lockedGet(s, ip(4))); // grows to 8
    const a2 = s.inspect().arrayBase;
    expect(s.inspect().retained).toEqual([a0, a1]);
    expect(s.inspect()).toMatchObject({ count: 8, used: 5 });
    expect(
      s
        .inspect()
        .entries.slice(5)
        .map((e) => e.users),
    ).toEqual([0, 0, 0]);
    // a pointer into a grown-out array and one into the current array both name their slot
    run(k, s.put(md1));
    run(k, s.put(a2 + 4 * 16));
    expect(s.inspect().entries.map((e) => e.users)).toEqual([1, 0, 1, 1, 0, 0, 0, 0]);
    expect(s.inspect().used).toBe(3);
    expect(bytesAt(k, ip(1) - 16, 5)).toEqual(NOPS);
    expect(bytesAt(k, ip(4) - 16, 5)).toEqual(NOPS);
    expect(k.warnings).toHaveLength(0);
    expect(k.violations).toHaveLength(0);
  });

  it('works with any struct layout: users and func where the layout says', () => {
    const k = kernelWith(x86(), 4, { pageSize: 64 }); // two 32-byte entries per page
    const s = new LockedStore(k, hooksFor(k), LAYOUT);
    const ip = (i: number) => k.fn(`f${i}`).ip;
    const md0 = run(k, lockedGet(s, ip(0)));
    expect(run(k, lockedGet(s, ip(0)))).toBe(md0);
    const md1 = run(k, lockedGet(s, ip(1)));
    const md2 = run(k, lockedGet(s, ip(2))); // grows to 4
    const base = s.inspect().arrayBase;
    expect(md2).toBe(base + 64);
    expect(k.mem.peek32(base + 20)).toBe(2);
    expect(k.mem.peek64(base + 8)).toBe(ip(0));
    expect(k.mem.peek32(base + 3 * 32 + 20)).toBe(0); // the new half starts free
    expect(s.inspect().entries.map((e) => [e.md - base, e.users])).toEqual([
      [0, 2],
      [32, 1],
      [64, 1],
      [96, 0],
    ]);
    expect(
      s
        .inspect()
        .entries.slice(0, 3)
        .map((e) => e.func),
    ).toEqual([ip(0), ip(1), ip(2)]);
    expect(run(k, s.find(ip(2)))).toBe(md2);
    expect(run(k, s.trampoline(ip(1), { rcu: true }))).toEqual({ md: base + 32, users: 1, func: ip(1) });
    run(k, s.put(md1));
    run(k, s.put(md0));
    expect(s.inspect().entries.map((e) => e.users)).toEqual([1, 0, 1, 0]);
    expect(bytesAt(k, ip(1) - 16, 5)).toEqual(NOPS);
    expect(bytesAt(k, ip(0) - 16, 5)).toEqual(movEax(0));
    expect(k.violations).toHaveLength(0);
  });

  it('stops growing at MAX_PAGE_ORDER without asking the page allocator', () => {
    const { k, s, ip } = setup(5, { maxOrder: 1 });
    for (let i = 0; i < 4; i++) expect(run(k, lockedGet(s, ip(i)))).not.toBe(0);
    expect(k.pages.attempts).toBe(2);
    expect(run(k, lockedGet(s, ip(4)))).toBe(0);
    expect(k.pages.attempts).toBe(2);
    expect(s.inspect()).toMatchObject({ count: 4, used: 4 });
    expect(bytesAt(k, ip(4) - 16, 5)).toEqual(NOPS);
  });

  it('an allocation failure fails the get and leaves everything as it was', () => {
    const { k, s, ip } = setup();
    k.pages.failNextAllocations(1);
    expect(run(k, lockedGet(s, ip(0)))).toBe(0);
    expect(s.inspect()).toMatchObject({ arrayBase: 0, used: 0 });
    run(k, lockedGet(s, ip(0)));
    run(k, lockedGet(s, ip(1)));
    const before = s.inspect();
    k.pages.failNextAllocations(1);
    expect(run(k, lockedGet(s, ip(2)))).toBe(0); // the growth fails
    expect(s.inspect()).toEqual(before);
    expect(bytesAt(k, ip(2) - 16, 5)).toEqual(NOPS);
    expect(run(k, lockedGet(s, ip(2)))).not.toBe(0);
    expect(k.violations).toHaveLength(0);
  });

  it('counts releases since the last grace period in kfunc_md_released', () => {
    const { k, s, ip } = setup();
    const released = staticAddrOf(k, 'kfunc_md_released');
    const md0 = run(k, lockedGet(s, ip(0)));
    const md1 = run(k, lockedGet(s, ip(1)));
    run(k, s.put(md0));
    expect(k.mem.peek32(released)).toBe(1);
    run(k, s.putByIp(ip(1)));
    expect(k.mem.peek32(released)).toBe(2);
    expect(run(k, lockedGet(s, ip(2)))).toBe(md0);
    expect(k.mem.peek32(released)).toBe(0);
    expect(md1).toBe(md0 + 16);
  });
});

describe('locked store: puts', () => {
  it('a pointer that is no md (inside an entry, before or past the array) warns and changes nothing', () => {
    const { k, s, ip } = setup();
    const md0 = run(k, lockedGet(s, ip(0)));
    const before = s.inspect();
    for (const bad of [md0 + 4, md0 - 16, md0 + 2 * 16]) {
      const n = k.warnings.length;
      run(k, s.put(bad));
      expect(k.warnings.slice(n).map((w) => w.site)).toEqual(['put-users']);
      expect(k.warnings[n]?.message).toContain('not an md pointer');
    }
    expect(s.inspect()).toEqual(before);
  });

  it('a second put of a released md warns once and leaves users at 0', () => {
    const { k, s, ip } = setup();
    const md0 = run(k, lockedGet(s, ip(0)));
    run(k, s.put(md0));
    run(k, s.put(md0));
    expect(k.warnings.map((w) => w.site)).toEqual(['put-users']);
    expect(s.inspect().entries[0]?.users).toBe(0);
    expect(s.inspect().used).toBe(0);
  });

  it('a put of a shared md keeps the instruction and the slot', () => {
    const { k, s, ip } = setup();
    const md0 = run(k, lockedGet(s, ip(0)));
    run(k, lockedGet(s, ip(0)));
    run(k, s.put(md0));
    expect(bytesAt(k, ip(0) - 16, 5)).toEqual(movEax(0));
    expect(s.inspect()).toMatchObject({ used: 1 });
    expect(s.inspect().entries[0]?.users).toBe(1);
    expect(k.mem.peek32(staticAddrOf(k, 'kfunc_md_released'))).toBe(0);
  });

  it('put_by_ip of a function without an md changes nothing', () => {
    const { k, s, ip } = setup();
    run(k, lockedGet(s, ip(0)));
    const before = s.inspect();
    run(k, s.putByIp(ip(1)));
    expect(s.inspect()).toEqual(before);
    expect(k.warnings).toHaveLength(0);
    expect(k.violations).toHaveLength(0);
  });

  it('the release leaves foreign bytes in the window alone', () => {
    const { k, s, ip } = setup();
    const md0 = run(k, lockedGet(s, ip(0)));
    k.foreignWrite(ip(0) - 16, [0xcc, 0xcc, 0xcc, 0xcc, 0xcc]);
    run(k, s.put(md0));
    expect(bytesAt(k, ip(0) - 16, 5)).toEqual([0xcc, 0xcc, 0xcc, 0xcc, 0xcc]);
    expect(s.inspect().used).toBe(0);
  });
});

describe('locked store: find and the readers', () => {
  it('a released slot is not found even when its window names it again', () => {
    const { k, s, ip } = setup();
    run(k, s.put(run(k, lockedGet(s, ip(0)))));
    k.foreignWrite(ip(0) - 16, movEax(0)); // md->func is still f0, users is 0
    expect(run(k, s.find(ip(0)))).toBe(0);
    expect(run(k, s.trampoline(ip(0), { rcu: true }))).toEqual({ md: 0, users: 0, func: 0 });
  });

  it('a window naming a slot that does not exist finds nothing and reads no entry', () => {
    const { k, s, ip } = setup();
    k.foreignWrite(ip(1) - 16, movEax(1)); // before any array
    expect(run(k, s.find(ip(1)))).toBe(0);
    run(k, lockedGet(s, ip(0))); // count 2
    for (const index of [2, 5]) {
      k.foreignWrite(ip(1) - 16, movEax(index));
      expect(run(k, s.find(ip(1)))).toBe(0);
    }
    expect(k.violations).toHaveLength(0);
  });

  it('a miss reads the window only: no index load for NOPs, nothing at all for an unpadded function', () => {
    const k = kernelWith(x86(), 0, {
      pageSize: 32,
      functions: [
        { name: 'f0', padded: true },
        { name: 'f1', padded: true },
        { name: 'asm', padded: false },
      ],
    });
    const s = locked.create(k);
    run(k, lockedGet(s, k.fn('f0').ip));
    const f1 = k.fn('f1').ip;
    const nops = traced(k, s.find(f1));
    expect(nops.value).toBe(0);
    expect(nops.steps.filter((st) => st.kind === 'load32' && st.addr === f1 - 15)).toEqual([]);
    const asm = traced(k, s.find(k.fn('asm').ip));
    expect(asm.value).toBe(0);
    expect(asm.steps.map((st) => st.kind)).toEqual(['mutex_lock', 'mutex_unlock']);
  });

  it('an unpadded function gets no md and no array', () => {
    const k = kernelWith(x86(), 0, {
      pageSize: 32,
      functions: [
        { name: 'f0', padded: true },
        { name: 'asm', padded: false },
      ],
    });
    const s = locked.create(k);
    expect(run(k, lockedGet(s, k.fn('asm').ip))).toBe(0);
    expect(s.inspect().arrayBase).toBe(0);
    expect(k.pages.attempts).toBe(0);
  });

  it('find under the caller-held mutex does not take it again; on another CPU it waits for it', () => {
    const { k, s, ip } = setup();
    const md0 = run(k, lockedGet(s, ip(0)));
    let ownerAfterFind: number | undefined;
    function* held(): Op<number> {
      yield* s.lock();
      const md = yield* s.find(ip(0));
      ownerAfterFind = k.mem.mutexes.owner(KFUNC_MD_MUTEX);
      yield* s.unlock();
      return md;
    }
    const inside = traced(k, held());
    expect(inside.value).toBe(md0);
    expect(ownerAfterFind).toBe(0);
    expect(inside.steps.filter((st) => st.kind === 'mutex_lock' || st.kind === 'mutex_unlock')).toHaveLength(2);
    const holder = new Stepper(k, 0, s.lock());
    holder.finish();
    const other = new Stepper(k, 1, s.find(ip(0)));
    expect(other.pending).toMatchObject({ kind: 'mutex_lock', lock: KFUNC_MD_MUTEX, blocked: true });
    run(k, s.unlock(), 0);
    expect(other.finish()).toBe(md0);
  });

  it('the trampoline takes rcu_read_lock only when asked to', () => {
    const { k, s, ip } = setup();
    run(k, lockedGet(s, ip(0)));
    const rcuKinds = (rcu: boolean) =>
      traced(k, s.trampoline(ip(0), { rcu }))
        .steps.map((st) => st.kind)
        .filter((kind) => kind.startsWith('rcu_') || kind.startsWith('mutex_'));
    expect(rcuKinds(true)).toEqual(['mutex_lock', 'rcu_read_lock', 'rcu_read_unlock', 'mutex_unlock']);
    expect(rcuKinds(false)).toEqual(['mutex_lock', 'mutex_unlock']);
  });
});

describe('locked store: the text window', () => {
  it('install: 0 over NOPs or its own instruction, -EBUSY over anything else; restore only over its own', () => {
    const k = kernelWith(x86(), 2, { pageSize: 32 });
    const hooks = hooksFor(k);
    const text = new TextWindow(k.mem, hooks);
    const f0 = k.fn('f0').ip;
    expect(run(k, text.install(f0, hooks.pretend(3)))).toBe(0);
    expect(bytesAt(k, f0 - 16, 5)).toEqual(movEax(3));
    const writes = k.textWrites.length;
    expect(run(k, text.install(f0, hooks.pretend(3)))).toBe(0);
    expect(k.textWrites.length).toBe(writes);
    expect(run(k, text.install(f0, hooks.pretend(4)))).toBe(-EBUSY);
    run(k, text.restoreIfHolds(f0, hooks.pretend(4)));
    expect(bytesAt(k, f0 - 16, 5)).toEqual(movEax(3));
    run(k, text.restoreIfHolds(f0, hooks.pretend(3)));
    expect(bytesAt(k, f0 - 16, 5)).toEqual(NOPS);
  });

  it('a get over foreign bytes fails and frees the slot it claimed', () => {
    const { k, s, ip } = setup();
    k.foreignWrite(ip(0) - 16, [0xcc, 0xcc, 0xcc, 0xcc, 0xcc]);
    expect(run(k, lockedGet(s, ip(0)))).toBe(0);
    expect(bytesAt(k, ip(0) - 16, 5)).toEqual([0xcc, 0xcc, 0xcc, 0xcc, 0xcc]);
    expect(s.inspect().used).toBe(0);
    expect(s.inspect().entries.map((e) => e.users)).toEqual([0, 0]);
    expect(run(k, lockedGet(s, ip(1)))).toBe(s.inspect().arrayBase); // slot 0 is free again
  });

  it('a get whose window already holds its instruction claims the slot without a poke', () => {
    const { k, s, ip } = setup();
    k.foreignWrite(ip(0) - 16, movEax(0));
    const writes = k.textWrites.length;
    const md0 = run(k, lockedGet(s, ip(0)));
    expect(md0).toBe(s.inspect().arrayBase);
    expect(k.textWrites.length).toBe(writes);
    expect(s.inspect().used).toBe(1);
  });
});
