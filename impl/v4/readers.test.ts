import { describe, expect, it } from 'vitest';
import { kernelWith, lockedGet, run, x86 } from '../testing/fixtures.ts';
import { Stepper } from '../testing/stepper.ts';
import { MD_USERS } from './layout.ts';
import { v4 } from './store.ts';

// hand-interleaved reader vs growth: checks the steps expose exactly the windows the scheduler needs
function setup() {
  const k = kernelWith(x86(), 8, { pageSize: 64 });
  const s = v4.create(k);
  const ip = (i: number) => k.fn(`f${i}`).ip;
  for (let i = 0; i < 4; i++) run(k, lockedGet(s, ip(i)));
  return { k, s, ip };
}

describe('trampoline reader against array growth', () => {
  it('with rcu_read_lock: growth waits in synchronize_rcu, the reader never touches freed pages', () => {
    const { k, s, ip } = setup();
    const oldBase = s.inspect().arrayBase;
    const reader = new Stepper(k, 1, s.trampoline(ip(1), { rcu: true }));
    // stop right before md->users is loaded: find already returned an md in the old array
    reader.runUntil((st) => st.kind === 'load32' && st.addr === oldBase + 16 + MD_USERS);
    const writer = new Stepper(k, 0, lockedGet(s, ip(4)));
    writer.runUntil((st) => st.kind === 'sync_rcu' && st.blocked === true);
    expect(writer.next().note).toBe('cpu0 waits in synchronize_rcu for the RCU read-side section of cpu1');
    expect(k.mem.stillBlocked(0, writer.next())).toBe(true);
    expect(reader.finish()).toEqual({ md: oldBase + 16, users: 1, func: ip(1) });
    expect(k.mem.stillBlocked(0, writer.next())).toBe(false);
    writer.finish();
    expect(s.inspect().count).toBe(8);
    expect(k.violations).toHaveLength(0);
  });

  it('without rcu_read_lock: the reader loads from the freed old array', () => {
    const { k, s, ip } = setup();
    const oldBase = s.inspect().arrayBase;
    const reader = new Stepper(k, 1, s.trampoline(ip(1), { rcu: false }));
    reader.runUntil((st) => st.kind === 'load32' && st.addr === oldBase + 16 + MD_USERS);
    new Stepper(k, 0, lockedGet(s, ip(4))).finish();
    const seen = reader.finish();
    expect(seen.md).toBe(oldBase + 16);
    expect(seen.users).toBe(0x6b6b6b6b);
    expect(k.violations.map((v) => [v.kind, v.cpu, v.addr])).toEqual([
      ['read-freed', 1, oldBase + 16],
      ['read-freed', 1, oldBase + 24],
    ]);
  });

  it('a reader can see a torn x86 index while text_poke is halfway (ascending order -> WARN)', () => {
    const { k, s, ip } = setup();
    const writer = new Stepper(k, 0, lockedGet(s, ip(5)));
    // let the poke store bytes 0..3; byte 4 (the index high byte) is still 0x90
    writer.runUntil((st) => st.kind === 'store8' && st.addr === ip(5) - 12);
    expect(run(k, s.find(ip(5)), 1)).toBe(0);
    expect(k.warnings.map((w) => [w.site, w.cpu])).toEqual([['find-bound', 1]]);
    writer.finish();
    expect(run(k, s.find(ip(5)), 1)).not.toBe(0);
  });
});
