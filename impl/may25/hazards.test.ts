import { describe, expect, it } from 'vitest';
import { KFUNC_MD_MUTEX } from '../v4/layout.ts';
import { callDepthThunk } from '../kernel/x86-encodings.ts';
import { bytesAt, run, x86 } from '../testing/fixtures.ts';
import { Stepper } from '../testing/stepper.ts';
import { drain, lockedFexit, lockedGet, lockedPut, setup } from './kit.ts';
import { ARRAY_MDS, ARRAY_USED, KFUNC_MD_FL_DEAD } from './layout.ts';
import { stackGarbage } from './text.ts';

// ANALYSIS hazards (i)-(vi) of spec §8.1, each shown as the state the simulation reaches

/** the 11 stack bytes after the 5-byte insn buffer, as text.ts's generator gives them */
const GARBAGE_11 = [0x3a, 0xab, 0xac, 0x26, 0xaf, 0x23, 0x1a, 0x71, 0x6c, 0x91, 0x5d];

describe('may25 hazards (spec §8.1 ANALYSIS)', () => {
  it('(i) kfunc_md_enter is percpu_ref_get, not tryget_live: a reader takes a ref on an md already released', () => {
    const { k, s, ip } = setup();
    const md = run(k, lockedGet(s, ip(0)));
    run(k, lockedFexit(s, md));
    // the fexit trampoline found md and read TRACING_ORIGIN, and is about to kfunc_md_enter
    const reader = new Stepper(k, 2, s.trampoline(ip(0), { rcu: true }));
    reader.runUntil((st) => st.call === 'percpu_ref_get');
    run(k, lockedPut(s, md));
    // kill dropped the last ref: kfunc_md_release ran percpu_ref_exit
    expect(k.percpuRef.peek(md + s.layout.pcref)).toMatchObject({ dead: true, data: 0 });
    reader.finish();
    // percpu_ref_get on the exited ref adds through its NULL data pointer
    expect(k.violations.map((v) => [v.kind, v.cpu, v.addr])).toContainEqual(['write-unmapped', 2, 0]);
  });

  it('(ii) fentry-only readers take no ref and percpu_ref has no grace period: the slot is reused under the reader', () => {
    for (const rcu of [false, true]) {
      const { k, s, ip, slot } = setup();
      const md0 = run(k, lockedGet(s, ip(0)));
      const reader = new Stepper(k, 2, s.trampoline(ip(0), { rcu }));
      // md0 computed from f0's index; md->flags not read yet
      reader.runUntil((st) => st.kind === 'load32' && st.addr === md0 + s.layout.flags);
      run(k, lockedPut(s, md0));
      expect(run(k, lockedGet(s, ip(1)))).toBe(slot(0));
      // the reader of f0 reads f1's metadata
      expect(reader.finish()).toEqual({ md: md0, users: 1, func: ip(1) });
      expect(k.violations).toEqual([]);
    }
  });

  it('(iii) a put md whose array turns DEAD before its release ran is decremented twice', () => {
    const { k, s, ip, array } = setup();
    const md0 = run(k, lockedGet(s, ip(0)));
    run(k, lockedGet(s, ip(1)));
    run(k, lockedFexit(s, md0));
    const reader = new Stepper(k, 2, s.trampoline(ip(0), { rcu: false }));
    reader.runUntil((st) => st.call === 'percpu_ref_put');
    const old = array();
    const used = (): number => k.mem.peek32(old + ARRAY_USED) | 0;
    run(k, lockedPut(s, md0));
    expect(used()).toBe(1);
    // slot 0 is DEAD and slot 1 live: the next create grows, the old array turns DEAD
    run(k, lockedGet(s, ip(2)));
    expect(array()).not.toBe(old);
    reader.finish();
    // kfunc_md_release of md0 saw the DEAD array and decremented again: 0 with f1's md still live there
    expect(used()).toBe(0);
    const f1Old = k.mem.peek64(old + ARRAY_MDS) + s.layout.size;
    expect(s.inspect().entries[1].func).toBe(ip(1));
    expect(k.mem.peek32(f1Old + s.layout.users) & 0xffff).toBe(1);
    expect(k.percpuRef.peek(f1Old + s.layout.pcref).dead).toBe(false);
    // ... and queued the array's rcu_head a second time while growth's call_rcu_tasks still holds it
    expect(k.violations.map((v) => v.kind)).toContain('rcu-head-reused');
  });

  it('(iv) a DEAD slot copied into the new array never gets a ref or a release: lost for good, growth comes early', () => {
    const { k, s, ip, slot } = setup();
    const md0 = run(k, lockedGet(s, ip(0)));
    run(k, lockedGet(s, ip(1)));
    run(k, lockedFexit(s, md0));
    const reader = new Stepper(k, 2, s.trampoline(ip(0), { rcu: false }));
    reader.runUntil((st) => st.call === 'percpu_ref_put');
    run(k, lockedPut(s, md0));
    expect(run(k, lockedGet(s, ip(2)))).toBe(slot(2));
    reader.finish();
    drain(k);
    // every callback has run: the copy of slot 0 is still DEAD, with users 0
    const dead = (i: number) => k.mem.peek32(slot(i) + s.layout.flags) & KFUNC_MD_FL_DEAD;
    expect(dead(0)).toBe(KFUNC_MD_FL_DEAD);
    expect(s.inspect().entries[0].users).toBe(0);
    expect(run(k, lockedGet(s, ip(3)))).toBe(slot(3));
    expect(s.inspect()).toMatchObject({ count: 4, used: 3 });
    // 3 live in 4 slots, yet no slot to give: the array doubles, and the copy of slot 0 stays DEAD
    expect(run(k, lockedGet(s, ip(4)))).toBe(slot(4));
    expect(s.inspect().count).toBe(8);
    expect(dead(0)).toBe(KFUNC_MD_FL_DEAD);
    // the release work killed only the refs of mds with users: nothing was killed twice
    expect(k.warnings).toEqual([]);
  });

  it('(v) x86 pokes insn_offset bytes: at offset 16 the 11 bytes after the instruction get stack garbage', () => {
    const { k, s, ip } = setup();
    expect(stackGarbage(11)).toEqual(GARBAGE_11);
    const md = run(k, lockedGet(s, ip(0)));
    expect(bytesAt(k, ip(0) - 16, 5)).toEqual([0xb8, 0, 0, 0, 0]);
    expect(bytesAt(k, ip(0) - 11, 11)).toEqual(GARBAGE_11);
    expect(new Set(k.textWrites.map((w) => w.addr - ip(0)))).toEqual(
      new Set(Array.from({ length: 16 }, (_, i) => i - 16)),
    );
    // restoring copies 16 bytes from the 5-NOP buffer: the garbage stays
    run(k, lockedPut(s, md));
    expect(bytesAt(k, ip(0) - 16, 16)).toEqual([0x90, 0x90, 0x90, 0x90, 0x90, ...GARBAGE_11]);
  });

  it('(v) ... which overwrites a live call-depth thunk; at offset 5 (CFI_CLANG) the length is right by accident', () => {
    const { k, s, ip } = setup(x86({ callThunks: true, thunksActive: true }));
    const thunk = callDepthThunk((0x32c40 - ip(0)) >>> 0);
    expect(bytesAt(k, ip(0) - 9, 9)).toEqual(thunk);
    run(k, lockedGet(s, ip(0)));
    expect(bytesAt(k, ip(0) - 9, 9)).toEqual(GARBAGE_11.slice(2));
    const b = setup(x86({ cfiClang: true, cfiMode: 'kcfi' }));
    run(b.k, lockedGet(b.s, b.ip(0)));
    expect(b.k.textWrites.map((w) => w.addr - b.ip(0))).toEqual([-5, -4, -3, -2, -1]);
  });

  it('(vi) kfunc_md_release writes md->flags without kfunc_md_mutex, under a create that holds it', () => {
    const { k, s, ip, slot } = setup(x86(), 6, { pageSize: 256 });
    const md0 = run(k, lockedGet(s, ip(0)));
    run(k, lockedFexit(s, md0));
    const reader = new Stepper(k, 2, s.trampoline(ip(0), { rcu: false }));
    reader.runUntil((st) => st.call === 'percpu_ref_put');
    run(k, lockedPut(s, md0));
    // a create on cpu0, mutex held, has skipped DEAD slot 0 and is looking at slot 1
    const writer = new Stepper(k, 0, lockedGet(s, ip(1)));
    writer.runUntil((st) => st.kind === 'load32' && st.addr === slot(1) + s.layout.users);
    reader.runUntil((st) => st.kind === 'store32' && st.addr === md0 + s.layout.flags);
    expect(k.mem.mutexes.owner(KFUNC_MD_MUTEX)).toBe(0);
    expect(k.mem.mutexes.heldBy(2)).toEqual([]);
    reader.finish();
    expect(k.mem.peek32(md0 + s.layout.flags)).toBe(0);
    // the create goes on from its stale scan: slot 1 although slot 0 is now the lowest free one
    expect(writer.finish()).toBe(slot(1));
    expect(s.inspect().entries[0].users).toBe(0);
  });
});
