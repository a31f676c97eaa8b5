import { describe, expect, it } from 'vitest';
import type { KfuncMdStore } from '../contract/index.ts';
import type { Kernel } from '../kernel/kernel.ts';
import type { KernelSpec } from '../kernel/spec.ts';
import type { Op, Step } from '../kernel/types.ts';
import { KFUNC_MD_MUTEX } from '../v4/layout.ts';
import { v4 } from '../v4/store.ts';
import { TEXT_MUTEX } from '../kernel/mutexes.ts';
import { arm64, bytesAt, kernelWith, lockedGet, padded, run, staticAddrOf, x86 } from '../testing/fixtures.ts';
import { Stepper } from '../testing/stepper.ts';
import { KFMD_MD_FUNC, KFMD_MD_SIZE, KFMD_MD_USERS } from './layout.ts';
import { kfmd } from './store.ts';

const NOPS = [0x90, 0x90, 0x90, 0x90, 0x90];

/** x86 case A16 (md at ip-16) or arm64 (md at ip-4), two 24-byte entries per 64-byte page. */
function setup(options: KernelSpec['options'] = x86(), n = 4, extra: Partial<KernelSpec> = {}) {
  const k = kernelWith(options, n, { pageSize: 64, ...extra });
  const s = kfmd.create(k);
  const ip = (i: number): number => k.fn(`f${i}`).ip;
  const window = (i: number): number[] => bytesAt(k, ip(i) - (options.arch === 'x86' ? 16 : 4), 5);
  return { k, s, ip, window };
}

/** Run an op to completion on `cpu`, keeping every step it yielded. */
function trace<T>(k: Kernel, op: Op<T>, cpu = 0): { value: T; steps: Step[] } {
  const steps: Step[] = [];
  k.mem.currentCpu = cpu;
  let r = op.next();
  while (!r.done) {
    steps.push(r.value);
    if (r.value.blocked && k.mem.stillBlocked(cpu, r.value)) throw new Error(r.value.note ?? 'blocked');
    r = op.next();
  }
  return { value: r.value, steps };
}

const isTextLoad =
  (k: Kernel) =>
  (s: Step): boolean =>
    (s.kind === 'load8' || s.kind === 'load32' || s.kind === 'load64') &&
    s.addr !== undefined &&
    k.isText(s.addr, s.size ?? 1);

describe('kfmd: the sequential contract', () => {
  it('installs, finds, counts and releases, restoring the NOPs (x86)', () => {
    const { k, s, ip, window } = setup();
    const md = run(k, lockedGet(s, ip(0)));
    expect(md).not.toBe(0);
    expect(window(0)).toEqual([0xb8, 0, 0, 0, 0]);
    expect(run(k, s.find(ip(0)))).toBe(md);
    expect(run(k, lockedGet(s, ip(0)))).toBe(md);
    expect(s.inspect().entries[0]).toEqual({ md, users: 2, func: ip(0) });
    expect(run(k, s.trampoline(ip(0), { rcu: true }))).toEqual({ md, users: 2, func: ip(0) });
    run(k, s.put(md));
    run(k, s.putByIp(ip(0)));
    expect(window(0)).toEqual(NOPS);
    expect(run(k, s.find(ip(0)))).toBe(0);
    expect(s.inspect().used).toBe(0);
    expect(k.warnings).toHaveLength(0);
  });

  it('works on arm64 (one word per poke)', () => {
    const { k, s, ip } = setup(arm64());
    const md = run(k, lockedGet(s, ip(0)));
    expect(bytesAt(k, ip(0) - 4, 4)).toEqual([0, 0, 0, 0]);
    run(k, s.put(md));
    expect(bytesAt(k, ip(0) - 4, 4)).toEqual([0x1f, 0x20, 0x03, 0xd5]);
  });

  it('hands out the lowest free slot, and grows only when every slot is live', () => {
    const { k, s, ip } = setup(x86(), 5);
    const slot = (md: number): number => (md - s.inspect().arrayBase) / KFMD_MD_SIZE;
    expect([0, 1, 2].map((i) => slot(run(k, lockedGet(s, ip(i)))))).toEqual([0, 1, 2]);
    expect(s.inspect().count).toBe(4);
    run(k, s.putByIp(ip(1)));
    run(k, s.putByIp(ip(0)));
    expect(run(k, lockedGet(s, ip(3)))).toBe(s.inspect().entries[0].md);
    expect(run(k, lockedGet(s, ip(4)))).toBe(s.inspect().entries[1].md);
    expect(s.inspect().count).toBe(4);
  });

  it('a double put WARNs (put-users) and changes nothing', () => {
    const { k, s, ip } = setup();
    const md = run(k, lockedGet(s, ip(0)));
    run(k, s.put(md));
    run(k, s.put(md));
    expect(k.warnings.map((w) => w.site)).toEqual(['put-users']);
    expect(s.inspect().used).toBe(0);
  });
});

describe('kfmd: each v4 defect fixed', () => {
  it('D1: a released slot is handed out again only after a grace period, which waits for a reader still holding its index', () => {
    const { k, s, ip } = setup();
    const gp = () => k.mem.rcu.gracePeriods;
    const md0 = run(k, lockedGet(s, ip(0)));
    run(k, lockedGet(s, ip(1)));
    expect(gp()).toBe(0); // never-used slots owe no grace period
    // a reader inside rcu_read_lock has read f0's window (index 0) and not yet the entry
    const countAddr = staticAddrOf(k, 'kfunc_md_count');
    const reader = new Stepper(k, 2, s.trampoline(ip(0), { rcu: true }));
    reader.runUntil((st) => st.addr === countAddr);
    run(k, s.put(md0));
    run(k, s.putByIp(ip(1)));
    // slot 0 is the lowest free one: the get waits in synchronize_rcu for the reader
    const writer = new Stepper(k, 0, lockedGet(s, ip(2)));
    writer.runUntil((st) => st.kind === 'sync_rcu' && st.blocked === true);
    expect(writer.done).toBe(false);
    expect(k.mem.stillBlocked(0, writer.next())).toBe(true);
    expect(reader.finish()).toEqual({ md: 0, users: 0, func: 0 });
    expect(writer.finish()).toBe(md0);
    expect(gp()).toBe(1);
    // slot 1 was released before that grace period too: no second wait
    expect(run(k, lockedGet(s, ip(3)))).toBe(s.inspect().entries[1].md);
    expect(gp()).toBe(1);
  });

  it('D2: a reader at any point of a get sees no md or a complete one (func == ip, users 1)', () => {
    for (const options of [x86(), arm64()]) {
      const total = (() => {
        const { k, s, ip } = setup(options);
        return trace(k, lockedGet(s, ip(0))).steps.length;
      })();
      let hits = 0;
      for (let cut = 0; cut <= total; cut++) {
        const { k, s, ip } = setup(options);
        const writer = new Stepper(k, 0, lockedGet(s, ip(0)));
        for (let i = 0; i < cut && !writer.done; i++) writer.resume();
        const seen = run(k, s.trampoline(ip(0), { rcu: true }), 1);
        if (seen.md !== 0) {
          hits++;
          expect(seen).toMatchObject({ func: ip(0), users: 1 });
        }
      }
      // the reader did land on the md once the instruction was in: the check is not vacuous
      expect(hits).toBeGreaterThan(0);
    }
  });

  it('D2: the entry is written before the first byte of the instruction', () => {
    const { k, s, ip } = setup();
    const { steps } = trace(k, lockedGet(s, ip(0)));
    const firstText = steps.findIndex((st) => st.kind === 'store8' && st.addr !== undefined && k.isText(st.addr));
    const md = s.inspect().entries[0].md;
    const funcStore = steps.findIndex((st) => st.kind === 'store64' && st.addr === md + KFMD_MD_FUNC);
    const usersStore = steps.findIndex(
      (st) => st.kind === 'store32' && st.addr === md + KFMD_MD_USERS && st.value === 1,
    );
    expect(funcStore).toBeGreaterThanOrEqual(0);
    expect(usersStore).toBeGreaterThan(funcStore);
    expect(firstText).toBeGreaterThan(usersStore);
  });

  it('D3: used drops when the last put finds foreign bytes in the window, and no needless growth follows', () => {
    const { k, s, ip, window } = setup();
    const md = run(k, lockedGet(s, ip(0)));
    k.foreignWrite(ip(0) - 16, NOPS); // exist() would now be false: v4 skips used--
    run(k, s.put(md));
    expect(s.inspect().used).toBe(0);
    run(k, lockedGet(s, ip(1)));
    run(k, lockedGet(s, ip(2)));
    expect(s.inspect().count).toBe(2);
    expect(window(0)).toEqual(NOPS);
  });

  it("D3b: a put never overwrites bytes that are not its slot's instruction", () => {
    for (const [options, foreign] of [
      [x86(), [0xcc, 0xcc, 0xcc, 0xcc, 0xcc]],
      [x86(), [0xb8, 1, 0, 0, 0]], // an instruction, but another slot's
      [arm64(), [0x00, 0x00, 0x00, 0x94]], // a `bl`: exist() is true on arm64
    ] as const) {
      const { k, s, ip } = setup(options);
      const md = run(k, lockedGet(s, ip(0)));
      const at = ip(0) - (options.arch === 'x86' ? 16 : 4);
      k.foreignWrite(at, foreign);
      run(k, s.put(md));
      expect(bytesAt(k, at, foreign.length)).toEqual([...foreign]);
      expect(s.inspect().used).toBe(0);
    }
  });

  it('D4: a get costs the same number of steps whatever slot it takes (no scan from slot 0)', () => {
    const n = 160;
    const k = kernelWith(x86(), n, { pageSize: 4096, maxOrder: 0 }); // 170 slots
    const s = kfmd.create(k);
    const cost = (i: number): number => trace(k, lockedGet(s, k.fn(`f${i}`).ip)).steps.length;
    cost(0); // creates the array
    const costs = Array.from({ length: n - 1 }, (_, i) => cost(i + 1));
    // one bitmap word per level (two levels for 170 slots); v4's scan adds a load per live slot
    expect(Math.max(...costs) - Math.min(...costs)).toBeLessThanOrEqual(4);
    // and the control: v4's cost grows with the slot number
    const kv = kernelWith(x86(), n, { pageSize: 4096, maxOrder: 0 });
    const sv = v4.create(kv);
    const v4cost = (i: number): number => trace(kv, lockedGet(sv, kv.fn(`f${i}`).ip)).steps.length;
    const v4costs = Array.from({ length: n }, (_, i) => v4cost(i));
    expect(v4costs[n - 1] - v4costs[1]).toBeGreaterThan(100);
  });

  it('D4: the lowest free slot is found across bitmap words (42 slots: two level-0 words under one level-1 word)', () => {
    const k = kernelWith(x86(), 43, { pageSize: 1024, maxOrder: 0 });
    const s = kfmd.create(k);
    const ip = (i: number): number => k.fn(`f${i}`).ip;
    const slot = (md: number): number => (md === 0 ? -1 : (md - s.inspect().arrayBase) / KFMD_MD_SIZE);
    for (let i = 0; i < 40; i++) expect(slot(run(k, lockedGet(s, ip(i))))).toBe(i);
    for (const i of [35, 3, 33]) run(k, s.putByIp(ip(i)));
    expect([40, 41, 42, 3, 33].map((i) => slot(run(k, lockedGet(s, ip(i)))))).toEqual([3, 33, 35, 40, 41]);
    expect(slot(run(k, lockedGet(s, ip(35))))).toBe(-1); // full, and MAX_PAGE_ORDER 0
    expect(s.inspect().used).toBe(42);
  });

  it('D6: an md held across growth stays mapped and put maps it to its slot', () => {
    const { k, s, ip, window } = setup();
    const md0 = run(k, lockedGet(s, ip(0)));
    run(k, lockedGet(s, ip(1)));
    run(k, lockedGet(s, ip(2))); // grows: md0 now points into a retired array
    const view = s.inspect();
    expect(view.count).toBe(4);
    expect(view.retained).toEqual([md0]);
    expect(k.pages.list().every((b) => !b.freed)).toBe(true);
    run(k, s.put(md0));
    expect(s.inspect().entries[0].users).toBe(0);
    expect(window(0)).toEqual(NOPS);
    expect(k.violations).toHaveLength(0);
  });

  it('D6: growth publishes the array before the capacity, so a reader never indexes the old array past its end', () => {
    const { k, s, ip } = setup();
    run(k, lockedGet(s, ip(0)));
    run(k, lockedGet(s, ip(1)));
    const { steps } = trace(k, lockedGet(s, ip(2)));
    const mds = staticAddrOf(k, 'kfunc_mds');
    const count = staticAddrOf(k, 'kfunc_md_count');
    const pub = steps.findIndex((st) => st.kind === 'store64' && st.addr === mds);
    const cap = steps.findIndex((st) => st.kind === 'store32' && st.addr === count);
    expect(pub).toBeGreaterThanOrEqual(0);
    expect(cap).toBeGreaterThan(pub);
  });

  it('NORCU: a reader without rcu_read_lock across growth and reuse touches no freed memory and gets no foreign md', () => {
    const { k, s, ip } = setup();
    const md0 = run(k, lockedGet(s, ip(0)));
    const countAddr = staticAddrOf(k, 'kfunc_md_count');
    const reader = new Stepper(k, 2, s.trampoline(ip(0), { rcu: false }));
    reader.runUntil((st) => st.addr === countAddr); // it has read f0's index
    run(k, s.put(md0));
    run(k, lockedGet(s, ip(1))); // reuses slot 0: the grace period does not wait for this reader
    run(k, lockedGet(s, ip(2)));
    run(k, lockedGet(s, ip(3))); // grows
    expect(reader.finish()).toEqual({ md: 0, users: 0, func: 0 });
    expect(k.violations).toHaveLength(0);
  });

  it('NORCU: the seqcount keeps users and func from two owners apart', () => {
    const { k, s, ip } = setup();
    const md = run(k, lockedGet(s, ip(0)));
    const countAddr = staticAddrOf(k, 'kfunc_md_count');
    const reader = new Stepper(k, 2, s.trampoline(ip(0), { rcu: false }));
    reader.runUntil((st) => st.addr === countAddr); // has f0's index 0
    run(k, s.put(md));
    for (let i = 0; i < 3; i++) run(k, lockedGet(s, ip(1))); // f1 owns slot 0 with users 3
    reader.runUntil((st) => st.kind === 'load64' && st.addr === md + KFMD_MD_FUNC); // read seq and users (3)
    for (let i = 0; i < 3; i++) run(k, s.putByIp(ip(1)));
    expect(run(k, lockedGet(s, ip(0)))).toBe(md); // f0 owns slot 0 again: func == f0, users 1
    // without the seqcount the reader would pair f1's users (3) with f0's func
    expect(reader.finish()).toEqual({ md: 0, users: 0, func: 0 });
  });

  it('D8: a function without padding is never read or written', () => {
    const k = kernelWith(x86(), 0, {
      pageSize: 64,
      functions: [
        { name: 'f0', padded: true },
        { name: 'asm', padded: false, tail: [0xb8, 0, 0, 0, 0] }, // the previous body ends in mov $0,%eax
      ],
    });
    const s = kfmd.create(k);
    run(k, lockedGet(s, k.fn('f0').ip));
    const asm = k.fn('asm').ip;
    for (const op of [lockedGet(s, asm), s.find(asm), s.trampoline(asm, { rcu: true }), s.putByIp(asm)]) {
      const { value, steps } = trace(k, op as Op<unknown>);
      expect(steps.filter(isTextLoad(k))).toEqual([]);
      expect(value === undefined || value === 0 || (value as { md: number }).md === 0).toBe(true);
    }
    expect(s.inspect().entries[0].users).toBe(1);
  });

  it("D8b: a window naming another function's live slot finds nothing, and get does not bump that slot", () => {
    for (const options of [x86(), arm64()]) {
      const { k, s, ip } = setup(options);
      const md0 = run(k, lockedGet(s, ip(0)));
      const at = ip(1) - (options.arch === 'x86' ? 16 : 4);
      k.foreignWrite(at, options.arch === 'x86' ? [0xb8, 0, 0, 0, 0] : [0, 0, 0, 0]);
      expect(run(k, s.find(ip(1)))).toBe(0);
      expect(run(k, s.trampoline(ip(1), { rcu: false }))).toEqual({ md: 0, users: 0, func: 0 });
      expect(run(k, lockedGet(s, ip(1)))).toBe(0); // -EBUSY: the window is not NOPs
      expect(s.inspect().entries[0]).toEqual({ md: md0, users: 1, func: ip(0) });
      expect(s.inspect().used).toBe(1);
    }
  });

  it('bound check: an index past the capacity (or any index before the array exists) is a miss, without WARN', () => {
    const { k, s, ip } = setup();
    k.foreignWrite(ip(1) - 16, [0xb8, 0, 0, 0, 0]);
    expect(run(k, s.find(ip(1)))).toBe(0); // no array yet: v4 returns NULL + 0
    run(k, lockedGet(s, ip(0)));
    k.foreignWrite(ip(1) - 16, [0xb8, 0x90, 0x90, 0x90, 0x90]);
    expect(run(k, s.trampoline(ip(1), { rcu: true }))).toEqual({ md: 0, users: 0, func: 0 });
    expect(k.warnings).toHaveLength(0);
    // the control: v4 WARNs on the same bytes (D9, reachable through D7)
    const kv = kernelWith(x86(), 4, { pageSize: 32 });
    const sv = v4.create(kv);
    run(kv, lockedGet(sv, kv.fn('f0').ip));
    kv.foreignWrite(kv.fn('f1').ip - 16, [0xb8, 0x90, 0x90, 0x90, 0x90]);
    run(kv, sv.find(kv.fn('f1').ip));
    expect(kv.warnings.map((w) => w.site)).toEqual(['find-bound']);
  });

  it('D16: a lookup reads the window with exactly one load (x86 an 8-byte load, arm64 the word)', () => {
    for (const options of [x86(), arm64()]) {
      const { k, s, ip } = setup(options);
      run(k, lockedGet(s, ip(0)));
      for (const op of [s.trampoline(ip(0), { rcu: true }), s.find(ip(0)), s.trampoline(ip(1), { rcu: false })]) {
        const loads = trace(k, op as Op<unknown>).steps.filter(isTextLoad(k));
        expect(loads.map((l) => l.kind)).toEqual([options.arch === 'x86' ? 'load64' : 'load32']);
      }
      // the control: v4's find loads the padding twice
      const kv = kernelWith(options, 4, { pageSize: 32 });
      const sv = v4.create(kv);
      run(kv, lockedGet(sv, kv.fn('f0').ip));
      expect(trace(kv, sv.find(kv.fn('f0').ip)).steps.filter(isTextLoad(kv))).toHaveLength(2);
    }
  });

  it('lock order: text_mutex is only ever taken inside kfunc_md_mutex', () => {
    const { k, s, ip } = setup();
    const all: Step[] = [];
    const runAll = (op: Op<unknown>): void => {
      all.push(...trace(k, op).steps);
    };
    runAll(lockedGet(s, ip(0)));
    runAll(lockedGet(s, ip(1)));
    runAll(lockedGet(s, ip(2)));
    runAll(s.putByIp(ip(0)));
    runAll(lockedGet(s, ip(3)));
    const held = new Set<string>();
    for (const st of all) {
      if (st.kind === 'mutex_lock' && st.lock !== undefined) {
        if (st.lock === TEXT_MUTEX) expect(held.has(KFUNC_MD_MUTEX)).toBe(true);
        held.add(st.lock);
      }
      if (st.kind === 'mutex_unlock' && st.lock !== undefined) held.delete(st.lock);
    }
  });
});

describe('kfmd: the implementation object', () => {
  it('declares what the brief asks: padding-insn, any-free, V4 locking, both readers, growth refused past MAX_PAGE_ORDER', () => {
    expect(kfmd.declares).toEqual({
      index: 'padding-insn',
      slotPolicy: 'any-free',
      locking: { get: 'caller-holds', put: 'takes', put_by_ip: 'takes' },
      readers: { rcu: true, norcu: true },
      pastMaxOrder: 'refuses',
      ftraceCallAdjust: true,
    });
    const k = kernelWith(x86(), 2, { functions: padded(2) });
    const s: KfuncMdStore = kfmd.create(k);
    expect(s.inspect().layout).toEqual({ size: 24, users: 0, func: 8 });
    expect(s.inspect().entriesPerPage).toBe(2); // 64-byte pages
  });
});
