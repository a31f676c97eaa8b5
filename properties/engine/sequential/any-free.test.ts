import { describe, expect, it } from 'vitest';
import type { Implementation } from '../../../impl/contract/index.ts';
import type { Addr, Op } from '../../../impl/kernel/types.ts';
import { MD_SIZE, MD_USERS } from '../../../impl/v4/layout.ts';
import { V4Store, v4 } from '../../../impl/v4/store.ts';
import { configurationByName } from '../../../model/config/index.ts';
import { checkProperty } from './property.ts';
import { suiteByName } from './suites.ts';

/** v4 scanning for a free slot from the top: a valid choice under 'any-free', a wrong one under 'lowest-free'. */
class TopDownStore extends V4Store {
  protected override *scanFree(mds: Addr, count: number): Op<number> {
    for (let i = count - 1; i >= 0; i--) {
      if ((yield* this.mem.load32(mds + i * MD_SIZE + MD_USERS)) === 0) return i;
    }
    return -1;
  }
}

const judged = (slotPolicy: 'any-free' | 'lowest-free'): Implementation => ({
  ...v4,
  name: `top-down-${slotPolicy}`,
  declares: { ...v4.declares, slotPolicy },
  create: (kernel) => new TopDownStore(kernel),
});

describe("the sequential driver judges an 'any-free' slot choice by relation", () => {
  it.each(['x86-A16', 'arm64-md-1,1'])(
    '%s: the highest free slot holds under any-free and fails under lowest-free',
    (name) => {
      const config = configurationByName(name);
      const contract = suiteByName('contract');
      const opts = { seed: 7, numRuns: 60 };
      expect(checkProperty(config, contract, judged('any-free'), opts).counterexample?.violation ?? null).toBeNull();
      const exact = checkProperty(config, contract, judged('lowest-free'), opts);
      expect(exact.counterexample?.violation?.check).toBe('result');
    },
  );
});
