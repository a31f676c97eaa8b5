import { describe, expect, it } from 'vitest';
import { CONTRACT_VERSION, V4_LOCKING, declarationsOf, reuseOf } from './implementation.ts';
import type { Declarations, Implementation } from './implementation.ts';
import type { KernelOptions } from '../kernel/options.ts';
import { arm64, x86 } from '../testing/fixtures.ts';

const BASE: Declarations = {
  index: 'padding-insn',
  slotPolicy: 'lowest-free',
  locking: V4_LOCKING,
  readers: { rcu: true, norcu: true },
};
const HASH: Declarations = { ...BASE, index: 'none', slotPolicy: 'any-free', reuse: 'after-grace' };

function impl(declaresOn?: (o: KernelOptions) => Declarations): Implementation {
  const plain: Implementation = {
    name: 'test',
    description: 'a test implementation',
    contract: CONTRACT_VERSION,
    declares: BASE,
    create: () => {
      throw new Error('not booted in these tests');
    },
  };
  return declaresOn === undefined ? plain : { ...plain, declaresOn };
}

describe('contract helpers', () => {
  it("names v4's discipline: get under the caller's lock, put and put_by_ip lock themselves", () => {
    expect(V4_LOCKING).toEqual({ get: 'caller-holds', put: 'takes', put_by_ip: 'takes' });
    expect(CONTRACT_VERSION).toBe(1);
  });

  it('declarationsOf: the fixed declarations without declaresOn', () => {
    expect(declarationsOf(impl(), x86())).toBe(BASE);
  });

  it('declarationsOf: what declaresOn says for these options, when it is given', () => {
    const seen: KernelOptions[] = [];
    const onArch = impl((o) => {
      seen.push(o);
      return o.arch === 'arm64' ? HASH : BASE;
    });
    const a = arm64();
    expect(declarationsOf(onArch, a)).toBe(HASH);
    expect(declarationsOf(onArch, x86())).toBe(BASE);
    expect(seen[0]).toBe(a);
    expect(seen).toHaveLength(2);
  });

  it("reuseOf: 'immediate' by default, the declared reuse otherwise", () => {
    expect(reuseOf(BASE)).toBe('immediate');
    expect(reuseOf(HASH)).toBe('after-grace');
    expect(reuseOf({ ...BASE, reuse: 'immediate' })).toBe('immediate');
  });
});
