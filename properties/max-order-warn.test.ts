import { describe, expect, it } from 'vitest';
import { kfmd } from '../impl/kfmd/store.ts';
import { v4 } from '../impl/v4/store.ts';
import type { Implementation } from '../impl/contract/index.ts';
import { checkSequential } from './index.ts';

/**
 * Growth past MAX_PAGE_ORDER: the kernel's __alloc_pages WARNs (WARN_ON_ONCE_GFP) when asked for
 * such an order without __GFP_NOWARN. The model predicts that WARN from what a design declares
 * (`pastMaxOrder`), so a design that asks (v4) and one that refuses first (kfmd) both hold, and
 * a declaration that does not match what the code does is caught either way.
 */
const configs = ['x86-A16', 'arm64-md-1,1'];
const onWarn = (f: { message: string }): boolean => f.message.includes('alloc_pages-order');

function declaring(impl: Implementation, pastMaxOrder: 'asks-allocator' | 'refuses'): Implementation {
  return { ...impl, name: `${impl.name}-as-${pastMaxOrder}`, declares: { ...impl.declares, pastMaxOrder } };
}

describe("the page allocator's WARN past MAX_PAGE_ORDER", () => {
  it('v4 (asks the allocator, the default) and kfmd (refuses first) hold as they declare', () => {
    for (const impl of [v4, kfmd]) expect(checkSequential(impl, { configs }).failures.filter(onWarn)).toEqual([]);
  });

  it('v4 declared as refusing is caught by the WARN the model does not expect', () => {
    const failures = checkSequential(declaring(v4, 'refuses'), { configs }).failures.filter(onWarn);
    expect(new Set(failures.map((f) => f.config))).toEqual(new Set(configs));
    for (const f of failures) {
      expect(f.check).toBe('result');
      expect(f.message).toMatch(/hit WARN_ON_ONCE \(alloc_pages-order\); the model expects no WARN/);
    }
  });

  it('kfmd declared as asking is caught by the WARN that does not fire', () => {
    const failures = checkSequential(declaring(kfmd, 'asks-allocator'), { configs }).failures.filter(onWarn);
    expect(new Set(failures.map((f) => f.config))).toEqual(new Set(configs));
    for (const f of failures) expect(f.message).toMatch(/the model expects WARN alloc_pages-order; none fired/);
  });
});
