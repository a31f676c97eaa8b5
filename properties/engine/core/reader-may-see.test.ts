import { describe, expect, it } from 'vitest';
import type { Declarations } from '../../../impl/contract/index.ts';
import { V4_LOCKING } from '../../../impl/contract/index.ts';
import { readerMaySee } from './world.ts';
import type { World } from './world.ts';

const declares = (index: Declarations['index']): Declarations => ({
  index,
  slotPolicy: 'any-free',
  locking: V4_LOCKING,
  readers: { rcu: true, norcu: true },
});
// readerMaySee reads only the declarations and the function addresses
const world = (index: Declarations['index']): World =>
  ({
    declares: declares(index),
    ip: new Map([
      ['f0', 0x1000],
      ['f1', 0x2000],
    ]),
  }) as unknown as World;

describe('what a trampoline reader may see in the md it reached (I1)', () => {
  it('an array design: func == ip and users >= 1 only (users 0 is the first step of a reuse, D1)', () => {
    const w = world('padding-insn');
    expect(readerMaySee(w, 'f0', { func: 0x1000, users: 1 })).toBe(true);
    expect(readerMaySee(w, 'f0', { func: 0x1000, users: 0 })).toBe(false);
    expect(readerMaySee(w, 'f0', { func: 0x2000, users: 1 })).toBe(false);
  });

  it('a hash design: also users 0 with func == ip, never another function or garbage', () => {
    const w = world('none');
    expect(readerMaySee(w, 'f0', { func: 0x1000, users: 0 })).toBe(true);
    expect(readerMaySee(w, 'f0', { func: 0x2000, users: 1 })).toBe(false);
    expect(readerMaySee(w, 'f0', { func: 0x1000, users: -1 })).toBe(false);
    expect(readerMaySee(w, 'f0', { func: 0, users: 1 })).toBe(false);
  });
});
