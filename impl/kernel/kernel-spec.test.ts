import { describe, expect, it } from 'vitest';
import { kernelWith, padded, x86 } from '../testing/fixtures.ts';
import { TEXT_BASE, createKernel } from './kernel.ts';

describe('createKernel: the spec is checked', () => {
  const options = x86();
  const functions = padded(2);

  it('defaults: 4 KiB pages, MAX_PAGE_ORDER 10, ascending poke order', () => {
    const k = createKernel({ options, functions });
    expect([k.pageSize, k.maxOrder, k.pokeByteOrder]).toEqual([4096, 10, [0, 1, 2, 3, 4]]);
  });

  it('a page size must be a power of two of at least 16', () => {
    for (const pageSize of [8, 48, 16.5]) {
      expect(() => createKernel({ options, functions, pageSize })).toThrow(
        `pageSize ${pageSize} must be a power of two >= 16`,
      );
    }
    expect(createKernel({ options, functions, pageSize: 16 }).pageSize).toBe(16);
  });

  it('MAX_PAGE_ORDER between 0 and 20', () => {
    for (const maxOrder of [-1, 21, 1.5]) {
      expect(() => createKernel({ options, functions, maxOrder })).toThrow(`maxOrder ${maxOrder} out of range`);
    }
    expect(createKernel({ options, functions, maxOrder: 0 }).maxOrder).toBe(0);
    expect(createKernel({ options, functions, maxOrder: 20 }).maxOrder).toBe(20);
  });

  it('a poke order is a permutation of 0..4', () => {
    for (const pokeByteOrder of [
      [0, 1, 2, 3],
      [0, 1, 2, 3, 3],
      [0, 1, 2, 3, 4, 5],
    ]) {
      expect(() => createKernel({ options, functions, pokeByteOrder })).toThrow(
        `pokeByteOrder must be a permutation of 0..4, got [${pokeByteOrder.join()}]`,
      );
    }
    expect(createKernel({ options, functions, pokeByteOrder: [4, 3, 2, 1, 0] }).pokeByteOrder).toEqual([4, 3, 2, 1, 0]);
  });

  it('function names are unique, x86 alignment is 16, 32 or 64', () => {
    expect(() => createKernel({ options, functions: [...functions, { name: 'f0', padded: false }] })).toThrow(
      'duplicate function name f0',
    );
    expect(() => createKernel({ options: { ...options, functionAlignment: 8 as 16 }, functions })).toThrow(
      'x86 functionAlignment must be 16, 32 or 64',
    );
  });
});

describe('kernel: text, statics, functions', () => {
  it('isText covers exactly the laid-out text', () => {
    const k = kernelWith(x86(), 2);
    const end = TEXT_BASE + k.initialText.length;
    expect(k.isText(TEXT_BASE)).toBe(true);
    expect(k.isText(TEXT_BASE - 1)).toBe(false);
    expect(k.isText(end - 4, 4)).toBe(true);
    expect(k.isText(end - 4, 5)).toBe(false);
    expect(k.isText(end)).toBe(false);
  });

  it('statics: 16-byte granules, initialised, a repeated name gets #2, #3; the area has an end', () => {
    const k = kernelWith(x86(), 1);
    const a = k.defineStatic('s', [1, 2, 3]);
    const b = k.defineStatic('s', new Array<number>(17).fill(7));
    const c = k.defineStatic('s', []);
    const d = k.defineStatic('t', [9]);
    expect([b - a, c - b, d - c]).toEqual([16, 32, 16]);
    expect([k.staticAddr('s'), k.staticAddr('s#2'), k.staticAddr('s#3'), k.staticAddr('t')]).toEqual([a, b, c, d]);
    expect([...k.mem.peekBytes(a, 4)]).toEqual([1, 2, 3, 0]);
    expect(k.mem.peek8(b + 16)).toBe(7);
    expect(k.staticAddr('u')).toBeUndefined();
    expect(() => k.defineStatic('huge', new Array<number>(1 << 16).fill(0))).toThrow('static data area exhausted');
  });

  it('fn names a placed function or throws; warn records the CPU and the tick', () => {
    const k = kernelWith(x86(), 2);
    expect(k.fn('f1')).toBe(k.functions[1]);
    expect(() => k.fn('nope')).toThrow('no function nope');
    k.mem.currentCpu = 1;
    k.warn('site', 'msg');
    expect(k.warnings).toEqual([{ site: 'site', message: 'msg', cpu: 1, once: true, step: k.mem.tick }]);
  });

  it('an allocation failure injected on the kernel fails the next page allocation', () => {
    const k = kernelWith(x86(), 1);
    k.failNextAllocations(1);
    expect(k.pages.attempts).toBe(0);
    const mem = k.mem;
    const op = mem.allocPages(0);
    let r = op.next();
    while (r.done !== true) r = op.next();
    expect(r.value).toBe(0);
  });
});
