import { describe, expect, it } from 'vitest';
import { u32le } from '../kernel/le.ts';
import { EEXIST, EINVAL, ENOMEM } from '../kernel/types.ts';
import type { Addr } from '../kernel/types.ts';
import { run } from '../testing/fixtures.ts';
import { drain, lockedGet, setup } from './kit.ts';
import {
  BPF_TRAMP_FENTRY,
  BPF_TRAMP_FEXIT,
  BPF_TRAMP_MODIFY_RETURN,
  KFUNC_MD_FL_TRACING_ORIGIN,
  TRAMP_PROG_COOKIE,
  TRAMP_PROG_NEXT,
  TRAMP_PROG_PROG,
} from './layout.ts';
import type { May25Store } from './store.ts';
import type { Kernel } from '../kernel/kernel.ts';

// kfunc_md_bpf_link / kfunc_md_bpf_unlink (04/25): the per-type prog lists, bpf_prog_cnt, TRACING_ORIGIN

const PROG = (i: number): Addr => 0xffff_c000_1000 + 0x100 * i;

function linked(k: Kernel, s: May25Store, md: Addr, type: number): { prog: Addr; cookie: number }[] {
  const out: { prog: Addr; cookie: number }[] = [];
  for (let tp = k.mem.peek64(md + s.layout.bpfProgs + 8 * type); tp; tp = k.mem.peek64(tp + TRAMP_PROG_NEXT))
    out.push({ prog: k.mem.peek64(tp + TRAMP_PROG_PROG), cookie: k.mem.peek64(tp + TRAMP_PROG_COOKIE) });
  return out;
}

const poke32 = (k: Kernel, addr: Addr, v: number): void => k.mem.writeDirect(addr, u32le(v), false);
const poke8 = (k: Kernel, addr: Addr, v: number): void => k.mem.writeDirect(addr, [v], false);

describe('may25: kfunc_md_bpf_link', () => {
  it('appends in link order with the cookie, counts bpf_prog_cnt, refuses a prog linked twice with -EEXIST', () => {
    const { k, s, ip } = setup();
    const md = run(k, lockedGet(s, ip(0)));
    const cnt = (): number => k.mem.peek8(md + s.layout.bpfProgCnt);
    expect(run(k, s.bpfLink(md, PROG(1), BPF_TRAMP_FENTRY, 11))).toBe(0);
    expect(run(k, s.bpfLink(md, PROG(2), BPF_TRAMP_FENTRY, 22))).toBe(0);
    expect(run(k, s.bpfLink(md, PROG(3), BPF_TRAMP_FENTRY))).toBe(0);
    expect(linked(k, s, md, BPF_TRAMP_FENTRY)).toEqual([
      { prog: PROG(1), cookie: 11 },
      { prog: PROG(2), cookie: 22 },
      { prog: PROG(3), cookie: 0 },
    ]);
    expect(cnt()).toBe(3);
    // the same prog anywhere in the list, first or last
    expect(run(k, s.bpfLink(md, PROG(1), BPF_TRAMP_FENTRY))).toBe(-EEXIST);
    expect(run(k, s.bpfLink(md, PROG(3), BPF_TRAMP_FENTRY))).toBe(-EEXIST);
    expect(cnt()).toBe(3);
    // but it may sit in another type's list
    expect(run(k, s.bpfLink(md, PROG(1), BPF_TRAMP_FEXIT))).toBe(0);
    expect(linked(k, s, md, BPF_TRAMP_FEXIT)).toEqual([{ prog: PROG(1), cookie: 0 }]);
    expect(cnt()).toBe(4);
    // users and nr_args share bpf_prog_cnt's word: untouched
    expect(s.inspect().entries[0].users).toBe(1);
    expect(k.mem.peek8(md + s.layout.nrArgs)).toBe(0);
  });

  it('sets TRACING_ORIGIN for fexit and fmod_ret progs only, keeping the other flags', () => {
    for (const [type, origin] of [
      [BPF_TRAMP_FENTRY, 0],
      [BPF_TRAMP_FEXIT, KFUNC_MD_FL_TRACING_ORIGIN],
      [BPF_TRAMP_MODIFY_RETURN, KFUNC_MD_FL_TRACING_ORIGIN],
    ] as const) {
      const { k, s, ip } = setup();
      const md = run(k, lockedGet(s, ip(0)));
      poke32(k, md + s.layout.flags, 0x40);
      expect(run(k, s.bpfLink(md, PROG(1), type))).toBe(0);
      expect(k.mem.peek32(md + s.layout.flags)).toBe(0x40 | origin);
    }
  });

  it('-ENOMEM when the kfunc_md_tramp_prog cannot be allocated: nothing linked, nothing counted', () => {
    const { k, s, ip } = setup();
    const md = run(k, lockedGet(s, ip(0)));
    k.failNextAllocations(1);
    expect(run(k, s.bpfLink(md, PROG(1), BPF_TRAMP_FEXIT))).toBe(-ENOMEM);
    expect(linked(k, s, md, BPF_TRAMP_FEXIT)).toEqual([]);
    expect(k.mem.peek8(md + s.layout.bpfProgCnt)).toBe(0);
    expect(k.mem.peek32(md + s.layout.flags)).toBe(0);
  });

  it('bpf_prog_cnt is a u8: the 256th prog wraps it to 0, leaving users and nr_args alone', () => {
    const { k, s, ip } = setup(undefined, 6, { pageSize: 128 });
    const md = run(k, lockedGet(s, ip(0)));
    poke8(k, md + s.layout.bpfProgCnt, 0xff);
    poke8(k, md + s.layout.nrArgs, 5);
    expect(run(k, s.bpfLink(md, PROG(1), BPF_TRAMP_FENTRY))).toBe(0);
    expect(k.mem.peek8(md + s.layout.bpfProgCnt)).toBe(0);
    expect(k.mem.peek8(md + s.layout.nrArgs)).toBe(5);
    expect(s.inspect().entries[0].users).toBe(1);
  });
});

describe('may25: kfunc_md_bpf_unlink', () => {
  it('unlinks first, middle and last; frees each node after a grace period; -EINVAL for a prog not linked', () => {
    const { k, s, ip } = setup();
    const md = run(k, lockedGet(s, ip(0)));
    for (const i of [1, 2, 3, 4]) run(k, s.bpfLink(md, PROG(i), BPF_TRAMP_FENTRY));
    const node = (i: number): Addr => {
      for (let tp = k.mem.peek64(md + s.layout.bpfProgs); tp; tp = k.mem.peek64(tp + TRAMP_PROG_NEXT))
        if (k.mem.peek64(tp + TRAMP_PROG_PROG) === PROG(i)) return tp;
      throw new Error('not linked');
    };
    const [n2, n1, n4] = [node(2), node(1), node(4)];
    expect(run(k, s.bpfUnlink(md, PROG(2), BPF_TRAMP_FENTRY))).toBe(0);
    expect(linked(k, s, md, BPF_TRAMP_FENTRY).map((p) => p.prog)).toEqual([PROG(1), PROG(3), PROG(4)]);
    expect(run(k, s.bpfUnlink(md, PROG(1), BPF_TRAMP_FENTRY))).toBe(0);
    expect(run(k, s.bpfUnlink(md, PROG(4), BPF_TRAMP_FENTRY))).toBe(0);
    expect(linked(k, s, md, BPF_TRAMP_FENTRY).map((p) => p.prog)).toEqual([PROG(3)]);
    expect(k.mem.peek8(md + s.layout.bpfProgCnt)).toBe(1);
    // kfree_rcu: still allocated until the grace period
    expect(k.slab.objectAt(n2)?.freed).toBe(false);
    drain(k);
    for (const n of [n1, n2, n4]) expect(k.slab.objectAt(n)?.freed).toBe(true);
    expect(k.slab.objectAt(node(3))?.freed).toBe(false);
    // not linked at all, or linked in another type's list
    expect(run(k, s.bpfUnlink(md, PROG(9), BPF_TRAMP_FENTRY))).toBe(-EINVAL);
    expect(run(k, s.bpfUnlink(md, PROG(3), BPF_TRAMP_FEXIT))).toBe(-EINVAL);
    expect(k.mem.peek8(md + s.layout.bpfProgCnt)).toBe(1);
    expect(run(k, s.bpfUnlink(md, PROG(3), BPF_TRAMP_FENTRY))).toBe(0);
    expect(linked(k, s, md, BPF_TRAMP_FENTRY)).toEqual([]);
    expect(k.violations).toEqual([]);
  });

  it('clears TRACING_ORIGIN only when neither an fexit nor an fmod_ret prog is left, keeping the other flags', () => {
    const { k, s, ip } = setup();
    const md = run(k, lockedGet(s, ip(0)));
    const flags = (): number => k.mem.peek32(md + s.layout.flags);
    run(k, s.bpfLink(md, PROG(1), BPF_TRAMP_FEXIT));
    run(k, s.bpfLink(md, PROG(2), BPF_TRAMP_MODIFY_RETURN));
    run(k, s.bpfLink(md, PROG(3), BPF_TRAMP_FEXIT));
    run(k, s.bpfLink(md, PROG(4), BPF_TRAMP_FENTRY));
    poke32(k, md + s.layout.flags, flags() | 0x40);
    run(k, s.bpfUnlink(md, PROG(1), BPF_TRAMP_FEXIT));
    expect(flags()).toBe(0x40 | KFUNC_MD_FL_TRACING_ORIGIN);
    run(k, s.bpfUnlink(md, PROG(3), BPF_TRAMP_FEXIT));
    // fmod_ret still linked
    expect(flags()).toBe(0x40 | KFUNC_MD_FL_TRACING_ORIGIN);
    run(k, s.bpfUnlink(md, PROG(2), BPF_TRAMP_MODIFY_RETURN));
    expect(flags()).toBe(0x40);
    run(k, s.bpfLink(md, PROG(5), BPF_TRAMP_MODIFY_RETURN));
    run(k, s.bpfLink(md, PROG(6), BPF_TRAMP_FEXIT));
    run(k, s.bpfUnlink(md, PROG(5), BPF_TRAMP_MODIFY_RETURN));
    // an fexit prog still linked
    expect(flags()).toBe(0x40 | KFUNC_MD_FL_TRACING_ORIGIN);
    // unlinking the last fentry prog leaves the flag as it was
    run(k, s.bpfUnlink(md, PROG(4), BPF_TRAMP_FENTRY));
    expect(flags()).toBe(0x40 | KFUNC_MD_FL_TRACING_ORIGIN);
  });

  it('bpf_prog_cnt wraps below 0 as a u8', () => {
    const { k, s, ip } = setup();
    const md = run(k, lockedGet(s, ip(0)));
    run(k, s.bpfLink(md, PROG(1), BPF_TRAMP_FENTRY));
    poke8(k, md + s.layout.bpfProgCnt, 0);
    run(k, s.bpfUnlink(md, PROG(1), BPF_TRAMP_FENTRY));
    expect(k.mem.peek8(md + s.layout.bpfProgCnt)).toBe(0xff);
    expect(s.inspect().entries[0].users).toBe(1);
  });
});
