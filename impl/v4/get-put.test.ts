import { describe, expect, it } from 'vitest';
import { u64le } from '../kernel/le.ts';
import { runSequential } from '../kernel/run.ts';
import type { Op } from '../kernel/types.ts';
import { arm64, bytesAt, kernelWith, lockedGet, run, x86 } from '../testing/fixtures.ts';
import { MD_FUNC, MD_SIZE } from './layout.ts';
import { V4Store, V4_LAYOUT, v4 } from './store.ts';

const NOPS5 = [0x90, 0x90, 0x90, 0x90, 0x90];

function setup(n = 8) {
  const k = kernelWith(x86(), n);
  const s = v4.create(k);
  const ip = (i: number) => k.fn(`f${i}`).ip;
  return { k, s, ip };
}

describe('v4 get / put basics (x86 case A)', () => {
  it('starts with no array and count = ENTRIES_PER_PAGE', () => {
    const { s } = setup();
    expect(s.inspect()).toEqual({
      arrayBase: 0,
      count: 4,
      used: 0,
      order: 0,
      entriesPerPage: 4,
      layout: V4_LAYOUT,
      entries: [],
    });
  });

  it('get installs mov $index at ip-16 and publishes func after it', () => {
    const { k, s, ip } = setup();
    const md0 = run(k, lockedGet(s, ip(0)));
    const md1 = run(k, lockedGet(s, ip(1)));
    const v = s.inspect();
    expect(md0).toBe(v.arrayBase);
    expect(md1).toBe(v.arrayBase + MD_SIZE);
    expect(bytesAt(k, ip(1) - 16, 5)).toEqual([0xb8, 1, 0, 0, 0]);
    expect(v.used).toBe(2);
    expect(v.entries.slice(0, 2)).toEqual([
      { md: md0, users: 1, func: ip(0) },
      { md: md1, users: 1, func: ip(1) },
    ]);
    // func is a u64 LE
    expect(bytesAt(k, md1 + MD_FUNC, 8)).toEqual(u64le(ip(1)));
    // the func store is the last access of get, after the 5 text bytes
    expect(k.textWrites.at(-1)?.addr).toBe(ip(1) - 12);
  });

  it('the index is stored little-endian', () => {
    const k = kernelWith(x86(), 300, { pageSize: 4096 });
    const s = v4.create(k);
    for (let i = 0; i < 258; i++) run(k, lockedGet(s, k.fn(`f${i}`).ip));
    expect(bytesAt(k, k.fn('f257').ip - 16, 5)).toEqual([0xb8, 0x01, 0x01, 0x00, 0x00]);
    expect(s.inspect().count).toBe(512);
  });

  it('a second get on the same ip only bumps users', () => {
    const { k, s, ip } = setup();
    const a = run(k, lockedGet(s, ip(2)));
    const writes = k.textWrites.length;
    const b = run(k, lockedGet(s, ip(2)));
    expect(b).toBe(a);
    expect(k.textWrites.length).toBe(writes);
    expect(s.inspect().entries[0]).toEqual({ md: a, users: 2, func: ip(2) });
    expect(s.inspect().used).toBe(1);
  });

  it('put drops users; the last put restores NOPs, decrements used and leaves func stale', () => {
    const { k, s, ip } = setup();
    const md = run(k, lockedGet(s, ip(0)));
    run(k, lockedGet(s, ip(0)));
    run(k, s.put(md));
    expect(bytesAt(k, ip(0) - 16, 5)).toEqual([0xb8, 0, 0, 0, 0]);
    run(k, s.put(md));
    expect(bytesAt(k, ip(0) - 16, 5)).toEqual(NOPS5);
    expect(s.inspect()).toMatchObject({ used: 0, entries: [{ users: 0, func: ip(0) }, {}, {}, {}] });
  });

  it('put_by_ip finds the md itself', () => {
    const { k, s, ip } = setup();
    run(k, lockedGet(s, ip(3)));
    run(k, s.putByIp(ip(3)));
    expect(bytesAt(k, ip(3) - 16, 5)).toEqual(NOPS5);
    expect(s.inspect().used).toBe(0);
    // put_by_ip of an ip without metadata does nothing
    run(k, s.putByIp(ip(4)));
    expect(k.warnings).toHaveLength(0);
  });

  it('freed slots are reused lowest-first', () => {
    const { k, s, ip } = setup();
    for (let i = 0; i < 3; i++) run(k, lockedGet(s, ip(i)));
    run(k, s.putByIp(ip(1)));
    run(k, s.putByIp(ip(0)));
    expect(run(k, lockedGet(s, ip(5)))).toBe(s.inspect().arrayBase);
    expect(bytesAt(k, ip(5) - 16, 5)).toEqual([0xb8, 0, 0, 0, 0]);
  });

  it('each poke writes exactly the 5 window bytes (x86) / 4 (arm64)', () => {
    const { k, s, ip } = setup();
    run(k, lockedGet(s, ip(0)));
    run(k, s.putByIp(ip(0)));
    expect(k.textWrites.map((w) => w.addr - ip(0))).toEqual([-16, -15, -14, -13, -12, -16, -15, -14, -13, -12]);
    expect(k.textWrites.every((w) => !w.foreign && w.cpu === 0)).toBe(true);

    const a = kernelWith(arm64(), 2);
    const sa = v4.create(a);
    run(a, lockedGet(sa, a.fn('f1').ip));
    run(a, sa.putByIp(a.fn('f1').ip));
    expect(a.textWrites.map((w) => w.addr - a.fn('f1').ip)).toEqual([-4, -3, -2, -1, -4, -3, -2, -1]);
  });

  it('honours the x86 poke byte order', () => {
    const k = kernelWith(x86(), 2, { pokeByteOrder: [4, 3, 2, 1, 0] });
    const s = v4.create(k);
    run(k, lockedGet(s, k.fn('f0').ip));
    expect(k.textWrites.map((w) => k.fn('f0').ip - w.addr)).toEqual([12, 13, 14, 15, 16]);
  });

  it('leaves every text byte outside the md windows untouched', () => {
    const { k, s, ip } = setup();
    for (let i = 0; i < 8; i++) run(k, lockedGet(s, ip(i)));
    for (let i = 0; i < 8; i += 2) run(k, s.putByIp(ip(i)));
    const windows = new Set<number>();
    for (let i = 0; i < 8; i++) for (let j = 16; j > 11; j--) windows.add(ip(i) - j);
    const now = k.mem.peekBytes(k.textBase, k.textSize);
    for (let off = 0; off < k.textSize; off++) {
      if (!windows.has(k.textBase + off)) expect(now[off]).toBe(k.initialText[off]);
    }
  });

  it('trampoline reads md, users and func (with or without RCU)', () => {
    const { k, s, ip } = setup();
    const md = run(k, lockedGet(s, ip(1)));
    expect(run(k, s.trampoline(ip(1), { rcu: true }))).toEqual({ md, users: 1, func: ip(1) });
    expect(run(k, s.trampoline(ip(2), { rcu: false }))).toEqual({ md: 0, users: 0, func: 0 });
    expect(k.mem.rcu.depth(0)).toBe(0);
  });

  it('find takes no lock', () => {
    const { k, s, ip } = setup();
    run(k, lockedGet(s, ip(0)));
    run(k, s.lock(), 1);
    expect(run(k, s.find(ip(0)))).toBe(s.inspect().arrayBase);
  });
});

describe('v4 WARN sites', () => {
  it("'find-bound': an index >= count in the padding", () => {
    const { k, s, ip } = setup();
    k.foreignWrite(ip(0) - 16, [0xb8, 0x04, 0, 0, 0]);
    expect(run(k, s.find(ip(0)))).toBe(0);
    expect(run(k, s.find(ip(0)))).toBe(0);
    expect(k.warnings.map((w) => [w.site, w.once])).toEqual([
      ['find-bound', true],
      ['find-bound', false],
    ]);
    expect(k.warnings[0].message).toMatch(/index 4 >= count 4/);
  });

  it("'put-users': put of an md whose users is already 0", () => {
    const { k, s, ip } = setup();
    const md = run(k, lockedGet(s, ip(0)));
    run(k, s.put(md));
    const writes = k.textWrites.length;
    run(k, s.put(md));
    expect(k.warnings.map((w) => w.site)).toEqual(['put-users']);
    expect(k.textWrites.length).toBe(writes);
    expect(s.inspect().entries[0].users).toBe(0);
  });

  it('find on a NULL array with a false positive returns a bogus non-NULL pointer (no WARN)', () => {
    const { k, s, ip } = setup();
    k.foreignWrite(ip(0) - 16, [0xb8, 0x02, 0, 0, 0]);
    expect(run(k, s.find(ip(0)))).toBe(2 * MD_SIZE);
    expect(k.warnings).toHaveLength(0);
  });
});

describe('v4 failure paths', () => {
  it('D3 leak: a foreign write removed the instruction, so the last put never decrements used', () => {
    const { k, s, ip } = setup();
    for (let i = 0; i < 4; i++) run(k, lockedGet(s, ip(i)));
    k.foreignWrite(ip(0) - 16, [0x90]);
    run(k, s.putByIp(ip(1)));
    const md0 = s.inspect().arrayBase;
    run(k, s.put(md0));
    expect(s.inspect()).toMatchObject({
      used: 3,
      entries: [{ users: 0, func: ip(0) }, { users: 0 }, { users: 1 }, { users: 1 }],
    });
    // used == count-1: the next get still finds a slot; the one after grows despite slot 0 being free
    run(k, lockedGet(s, ip(4)));
    expect(s.inspect()).toMatchObject({ used: 4, count: 4 });
    run(k, lockedGet(s, ip(5)));
    expect(s.inspect()).toMatchObject({ used: 5, count: 8 });
    expect(bytesAt(k, ip(5) - 16, 5)).toEqual([0xb8, 4, 0, 0, 0]);
  });

  it('-EBUSY: a foreign window makes get return NULL and undo used/users', () => {
    const { k, s, ip } = setup();
    k.foreignWrite(ip(0) - 14, [0xcc]);
    const writes = k.textWrites.length;
    expect(run(k, lockedGet(s, ip(0)))).toBe(0);
    expect(k.textWrites.length).toBe(writes);
    expect(s.inspect()).toMatchObject({ used: 0, count: 4, entries: [{ users: 0 }, {}, {}, {}] });
    expect(s.inspect().arrayBase).not.toBe(0);
  });

  it('allocation failure at the first allocation: NULL, still no array', () => {
    const { k, s, ip } = setup();
    k.pages.failNextAllocations(1);
    expect(run(k, lockedGet(s, ip(0)))).toBe(0);
    expect(s.inspect()).toMatchObject({ arrayBase: 0, used: 0, count: 4 });
    expect(bytesAt(k, ip(0) - 16, 5)).toEqual(NOPS5);
    expect(run(k, lockedGet(s, ip(0)))).not.toBe(0);
  });

  it('allocation failure at growth: NULL, array and counters unchanged', () => {
    const { k, s, ip } = setup();
    for (let i = 0; i < 4; i++) run(k, lockedGet(s, ip(i)));
    const before = s.inspect();
    k.pages.failNextAllocations(1);
    expect(run(k, lockedGet(s, ip(4)))).toBe(0);
    expect(s.inspect()).toEqual(before);
    expect(bytesAt(k, ip(4) - 16, 5)).toEqual(NOPS5);
    expect(k.pages.frees).toBe(0);
  });

  it('put with kfunc_md_lock held is a self-deadlock, reported in one line', () => {
    const { k, s, ip } = setup();
    function* misuse(): Op<void> {
      yield* s.lock();
      const md = yield* s.get(ip(0));
      yield* s.put(md);
    }
    const r = runSequential(k, misuse());
    expect(r).toMatchObject({
      ok: false,
      reason: 'deadlock',
      deadlock: 'self-deadlock: cpu0 takes kfunc_md_mutex while holding it',
    });
    const r2 = runSequential(k, s.putByIp(ip(0)), 0);
    expect(r2).toMatchObject({ ok: false, deadlock: 'self-deadlock: cpu0 takes kfunc_md_mutex while holding it' });
  });

  it('get without the lock is not checked (as in v4)', () => {
    const { k, s, ip } = setup();
    expect(run(k, s.get(ip(0)))).not.toBe(0);
    expect(k.mem.mutexes.owner('kfunc_md_mutex')).toBeUndefined();
  });

  it('subclasses can override one step (a mutant that never restores NOPs)', () => {
    class NoRestore extends V4Store {
      override readonly name = 'no-restore';
      protected override *textPokeHelper(ip: number, insn: Uint8Array | null, nops: Uint8Array): Op<number> {
        if (!insn) return 0;
        return yield* super.textPokeHelper(ip, insn, nops);
      }
    }
    const k = kernelWith(x86(), 2);
    const s = new NoRestore(k);
    run(k, lockedGet(s, k.fn('f0').ip));
    run(k, s.putByIp(k.fn('f0').ip));
    expect(bytesAt(k, k.fn('f0').ip - 16, 1)).toEqual([0xb8]);
    expect(s.name).toBe('no-restore');
  });
});
