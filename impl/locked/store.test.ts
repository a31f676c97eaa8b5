import { describe, expect, it } from 'vitest';
import { KFUNC_MD_MUTEX } from '../v4/layout.ts';
import { arm64, bytesAt, kernelWith, lockedGet, run, x86 } from '../testing/fixtures.ts';
import { Stepper } from '../testing/stepper.ts';
import type { KernelSpec } from '../kernel/spec.ts';
import { locked } from './store.ts';

function setup(options: KernelSpec['options'] = x86(), n = 4) {
  const k = kernelWith(options, n, { pageSize: 32 }); // two entries per page: the third live function grows the array
  const s = locked.create(k);
  const ip = (i: number) => k.fn(`f${i}`).ip;
  return { k, s, ip };
}

describe('locked store: the sequential contract', () => {
  it('installs, finds, counts and releases like the spec, restoring the NOPs', () => {
    const { k, s, ip } = setup();
    const md = run(k, lockedGet(s, ip(0)));
    expect(md).not.toBe(0);
    expect(bytesAt(k, ip(0) - 16, 5)).toEqual([0xb8, 0, 0, 0, 0]);
    expect(run(k, s.find(ip(0)))).toBe(md);
    expect(run(k, lockedGet(s, ip(0)))).toBe(md);
    expect(s.inspect().entries[0]).toEqual({ md, users: 2, func: ip(0) });
    run(k, s.put(md));
    run(k, s.putByIp(ip(0)));
    expect(bytesAt(k, ip(0) - 16, 5)).toEqual([0x90, 0x90, 0x90, 0x90, 0x90]);
    expect(run(k, s.find(ip(0)))).toBe(0);
    expect(s.inspect().used).toBe(0);
    expect(k.warnings).toHaveLength(0);
  });

  it('find checks md->func and users: a window nobody installed finds nothing', () => {
    const { k, s, ip } = setup();
    run(k, lockedGet(s, ip(0)));
    k.foreignWrite(ip(1) - 16, [0xb8, 0, 0, 0, 0]); // f1's window names f0's slot
    expect(run(k, s.find(ip(1)))).toBe(0);
    expect(run(k, s.trampoline(ip(1), { rcu: false }))).toEqual({ md: 0, users: 0, func: 0 });
  });

  it('works on arm64 (one word per poke)', () => {
    const { k, s, ip } = setup(arm64());
    const md = run(k, lockedGet(s, ip(0)));
    expect(bytesAt(k, ip(0) - 4, 4)).toEqual([0, 0, 0, 0]);
    run(k, s.put(md));
    expect(bytesAt(k, ip(0) - 4, 4)).toEqual([0x1f, 0x20, 0x03, 0xd5]);
  });
});

describe('locked store: safe by construction', () => {
  it('waits a grace period before handing a released slot out again', () => {
    const { k, s, ip } = setup();
    const md0 = run(k, lockedGet(s, ip(0)));
    run(k, s.put(md0));
    const before = k.mem.rcu.gracePeriods;
    expect(run(k, lockedGet(s, ip(1)))).toBe(md0); // lowest free slot, as the model's any-free allows
    expect(k.mem.rcu.gracePeriods).toBe(before + 1);
    run(k, lockedGet(s, ip(2)));
    expect(k.mem.rcu.gracePeriods).toBe(before + 1); // nothing released since
  });

  it('keeps grown-out arrays mapped and maps a held pointer to its slot in the current array', () => {
    const { k, s, ip } = setup();
    const md0 = run(k, lockedGet(s, ip(0)));
    run(k, lockedGet(s, ip(1)));
    run(k, lockedGet(s, ip(2))); // grows: md0 now points into a retired array
    expect(s.inspect().count).toBe(4);
    expect(k.pages.list().every((b) => !b.freed)).toBe(true);
    run(k, s.put(md0));
    expect(s.inspect().entries[0].users).toBe(0);
    expect(bytesAt(k, ip(0) - 16, 5)).toEqual([0x90, 0x90, 0x90, 0x90, 0x90]);
    expect(k.violations).toHaveLength(0);
  });

  it('a reader takes the mutex: it waits for a writer instead of seeing its half-written text', () => {
    const { k, s, ip } = setup();
    const writer = new Stepper(k, 0, lockedGet(s, ip(0)));
    writer.runUntil((st) => st.kind === 'store8' && st.addr === ip(0) - 14); // mid-poke
    const reader = new Stepper(k, 1, s.trampoline(ip(0), { rcu: true }));
    expect(reader.pending).toMatchObject({ kind: 'mutex_lock', lock: KFUNC_MD_MUTEX, blocked: true });
    expect(k.mem.stillBlocked(1, reader.next())).toBe(true);
    const md = writer.finish();
    reader.resume();
    expect(reader.finish()).toEqual({ md, users: 1, func: ip(0) });
  });

  it('an unpadded function is never touched', () => {
    const k = kernelWith(x86(), 0, {
      pageSize: 32,
      functions: [
        { name: 'f0', padded: true },
        { name: 'asm', padded: false },
      ],
    });
    const s = locked.create(k);
    const before = k.textWrites.length;
    expect(run(k, lockedGet(s, k.fn('asm').ip))).toBe(0);
    expect(run(k, s.find(k.fn('asm').ip))).toBe(0);
    expect(k.textWrites.length).toBe(before);
  });
});
