import { describe, expect, it } from 'vitest';
import { createKernel } from '../../../impl/kernel/kernel.ts';
import { configurationByName } from '../../../model/config/index.ts';
import { hex } from '../../../model/index.ts';
import { hex as bytes } from './fixtures/hex.ts';

/**
 * The implementation against the compiler itself: a function whose body is
 * the previous function's code in a real gcc/clang dump, then the function
 * the dump shows. The bytes before that entry (body tail, the assembler's
 * alignment filler, kCFI, the padding) must be the dump's, byte for byte.
 * Dumps: real-layouts.md (gcc 12.2, clang 16.0.6).
 */
const CASES = [
  {
    what: 'gcc -fpatchable-function-entry=16,16 -falign-functions=16: helper_static (10-byte filler)',
    config: 'x86-A16',
    prevBody: 'b8 07 00 00 00 c3',
    before: 'b8 07 00 00 00 c3 66 2e 0f 1f 84 00 00 00 00 00 90*16',
  },
  {
    what: 'gcc =16,16 A=16: add (11-byte filler after a 5-byte body)',
    config: 'x86-A16',
    prevBody: '8d 44 7f 01 c3',
    before: '8d 44 7f 01 c3 66 66 2e 0f 1f 84 00 00 00 00 00 90*16',
  },
  {
    what: 'gcc A=16 without padding: mul (12-byte filler: 11-byte NOP, then 90)',
    config: 'x86-A16',
    prevBody: '8d 04 37 c3',
    unpadded: true,
    before: '8d 04 37 c3 66 66 2e 0f 1f 84 00 00 00 00 00 90',
  },
  {
    what: 'clang kCFI =11,11 A=16 (the kernel layout of case B): add',
    config: 'x86-B-kcfi',
    prevBody: 'b8 07 00 00 00 c3',
    before: 'b8 07 00 00 00 c3 66 2e 0f 1f 84 00 00 00 00 00 b8 a5 b5 e5 56 90*11',
  },
  {
    what: 'gcc =32,32 A=32: add',
    config: 'x86-A32',
    prevBody: '',
    before: '90*32',
  },
  {
    what: 'aarch64 gcc =1,1: add',
    config: 'arm64-md-1,1',
    prevBody: '00 04 00 11 c0 03 5f d6',
    before: '00 04 00 11 c0 03 5f d6 1f.20.03.d5',
  },
  {
    what: 'aarch64 gcc =3,1: add',
    config: 'arm64-args-3,1',
    prevBody: 'c0 03 5f d6',
    before: 'c0 03 5f d6 1f.20.03.d5',
  },
];

describe('implementation text = real compiler bytes before the entry', () => {
  it.each(CASES)('$what', ({ config, prevBody, before, unpadded }) => {
    const expected = bytes(before);
    const kernel = createKernel({
      options: configurationByName(config).options,
      functions: [
        { name: 'prev', padded: true, kcfiHash: 0x56e5b5a5, body: bytes(prevBody) },
        // no extra tail: the previous function's body is the tail here
        { name: 'add', padded: unpadded !== true, kcfiHash: 0x56e5b5a5, tail: [] },
      ],
    });
    const ip = kernel.fn('add').ip;
    expect(hex([...kernel.mem.peekBytes(ip - expected.length, expected.length)])).toBe(hex(expected));
  });
});
