import { describe, expect, it } from 'vitest';
import { createKernel } from '../kernel/kernel.ts';
import { u32le, u64le } from '../kernel/le.ts';
import {
  arm64,
  bytesAt,
  kernelWith,
  lockedGet,
  padded,
  run,
  staticAddrOf,
  x86,
  x86CaseC,
} from '../testing/fixtures.ts';
import { MD_SIZE } from './layout.ts';
import { v4 } from './store.ts';

const HASH_LE = [0xa5, 0xb5, 0xe5, 0x56];

describe('v4 on each x86 layout', () => {
  it('case B: md at ip-5..ip-1, kCFI at ip-16 untouched', () => {
    const k = kernelWith(x86({ cfiClang: true, cfiMode: 'kcfi' }), 3);
    const s = v4.create(k);
    const ip = k.fn('f2').ip;
    run(k, lockedGet(s, k.fn('f0').ip));
    run(k, lockedGet(s, ip));
    expect(bytesAt(k, ip - 16, 16)).toEqual([0xb8, ...HASH_LE, ...new Array<number>(6).fill(0x90), 0xb8, 1, 0, 0, 0]);
  });

  it('case C, Kconfig reading, kCFI mode + thunks: md at ip-19..ip-15', () => {
    const k = kernelWith(x86CaseC({ thunksActive: true }), 2);
    const s = v4.create(k);
    const ip = k.fn('f1').ip;
    expect(run(k, lockedGet(s, ip))).not.toBe(0);
    expect(bytesAt(k, ip - 19, 5)).toEqual([0xb8, 0, 0, 0, 0]);
    expect(bytesAt(k, ip - 32, 5)).toEqual([0xb8, ...HASH_LE]);
    expect(bytesAt(k, ip - 9, 1)).toEqual([0x65]);
  });

  it('case C, Kconfig reading, FineIBT: the window overlaps F3 0F, so every get is -EBUSY (D12)', () => {
    const k = kernelWith(x86CaseC({ cfiMode: 'fineibt' }), 2);
    const s = v4.create(k);
    expect(run(k, lockedGet(s, k.fn('f0').ip))).toBe(0);
    expect(run(k, lockedGet(s, k.fn('f1').ip))).toBe(0);
    expect(k.textWrites).toHaveLength(0);
    expect(s.inspect().used).toBe(0);
  });

  it('case C, intent reading, FineIBT: md at ip-24..ip-20, FineIBT intact', () => {
    const k = kernelWith(x86CaseC({ cfiMode: 'fineibt', caseCReading: 'intent' }), 2);
    const s = v4.create(k);
    const ip = k.fn('f1').ip;
    const fineibt = bytesAt(k, ip - 16, 16);
    expect(run(k, lockedGet(s, ip))).not.toBe(0);
    expect(bytesAt(k, ip - 24, 5)).toEqual([0xb8, 0, 0, 0, 0]);
    expect(bytesAt(k, ip - 16, 16)).toEqual(fineibt);
    expect(fineibt.slice(0, 4)).toEqual([0xf3, 0x0f, 0x1e, 0xfa]);
  });

  it('unpadded x86 function: a B8 in the previous tail looks like metadata (D8b)', () => {
    const k = createKernel({
      options: x86(),
      functions: [
        ...padded(4),
        { name: 'asm', padded: false, tail: [0xb8, 0x02, 0x00, 0x00, 0x00, 0xc3, ...new Array<number>(10).fill(0xcc)] },
      ],
      pageSize: 64,
    });
    const s = v4.create(k);
    for (let i = 0; i < 3; i++) run(k, lockedGet(s, k.fn(`f${i}`).ip));
    const asm = k.fn('asm').ip;
    // find(asm) yields f2's slot; get bumps f2's refcount
    const md = s.inspect().arrayBase + 2 * MD_SIZE;
    expect(run(k, lockedGet(s, asm))).toBe(md);
    expect(s.inspect().entries[2]).toEqual({ md, users: 2, func: k.fn('f2').ip });
  });
});

describe('v4 on arm64 layouts', () => {
  it('1,1: md word at ip-4', () => {
    const k = kernelWith(arm64(), 2);
    const s = v4.create(k);
    run(k, lockedGet(s, k.fn('f0').ip));
    run(k, lockedGet(s, k.fn('f1').ip));
    expect(bytesAt(k, k.fn('f1').ip - 4, 4)).toEqual([1, 0, 0, 0]);
  });

  it('CALL_OPS 6,4: md word at ip-12, ops literal untouched', () => {
    const k = kernelWith(arm64({ withArgs: true, callOps: true }), 2);
    const s = v4.create(k);
    const ip = k.fn('f1').ip;
    run(k, lockedGet(s, k.fn('f0').ip));
    run(k, lockedGet(s, ip));
    expect(bytesAt(k, ip - 12, 12)).toEqual([1, 0, 0, 0, ...u64le(staticAddrOf(k, 'ftrace_nop_ops'))]);
    run(k, s.putByIp(ip));
    expect(bytesAt(k, ip - 12, 4)).toEqual([0x1f, 0x20, 0x03, 0xd5]);
  });

  it('notrace function after a ret: exist() fires, index 0xd65f03c0 >= count -> WARN, get -EBUSY', () => {
    const k = createKernel({
      options: arm64({ withArgs: true }),
      functions: [...padded(1), { name: 'nt', padded: false }],
      pageSize: 64,
    });
    const s = v4.create(k);
    expect(run(k, lockedGet(s, k.fn('nt').ip))).toBe(0);
    expect(k.warnings.map((w) => w.site)).toEqual(['find-bound']);
    expect(k.warnings[0].message).toMatch(/3596551104/);
    expect(s.inspect().used).toBe(0);
  });

  it('notrace function after a small literal: shares a live slot (D8 a1)', () => {
    const k = createKernel({
      options: arm64({ withArgs: true }),
      functions: [...padded(2), { name: 'nt', padded: false, tail: u32le(1) }],
      pageSize: 64,
    });
    const s = v4.create(k);
    run(k, lockedGet(s, k.fn('f0').ip));
    const md1 = run(k, lockedGet(s, k.fn('f1').ip));
    expect(run(k, lockedGet(s, k.fn('nt').ip))).toBe(md1);
    expect(s.inspect().entries[1]).toEqual({ md: md1, users: 2, func: k.fn('f1').ip });
    // f1's own put no longer removes its instruction
    run(k, s.putByIp(k.fn('f1').ip));
    expect(bytesAt(k, k.fn('f1').ip - 4, 4)).toEqual([1, 0, 0, 0]);
    // nt's put does
    run(k, s.putByIp(k.fn('nt').ip));
    expect(bytesAt(k, k.fn('f1').ip - 4, 4)).toEqual([0x1f, 0x20, 0x03, 0xd5]);
  });
});
