import { describe, expect, it } from 'vitest';
import { arm64, bytesAt, lockedGet, run, staticAddrOf, x86 } from '../testing/fixtures.ts';
import { v4 } from '../v4/store.ts';
import { A64_NOP } from './arm64-encodings.ts';
import { PERCPU_RELEASE_TEXT, RCU_CALLBACK_TEXT } from './functions.ts';
import { MAX_TEXT_SIZE, TEXT_BASE, createKernel } from './kernel.ts';
import { u32le, u64le } from './le.ts';
import type { ImageFunction, TextImage } from './spec.ts';
import { CALL_DEPTH_THUNK_SIZE, X86_NOP } from './x86-encodings.ts';

const ENDBR_FENTRY = [0xf3, 0x0f, 0x1e, 0xfa, 0xe8, 0, 0, 0, 0, 0xc3];

/** An x86 text as a linker leaves it: `cc` fill, then per function 16 × 0x90 | endbr64; call __fentry__; ret, 16-aligned. */
function x86Image(n: number, extra = 0): TextImage {
  const bytes = new Uint8Array(64 * n + 64 + extra).fill(0xcc);
  const functions: ImageFunction[] = [];
  for (let i = 0; i < n; i++) {
    const ip = 64 + 64 * i;
    bytes.fill(X86_NOP, ip - 16, ip);
    bytes.set(ENDBR_FENTRY, ip);
    functions.push({ name: `fn${i}`, ip, padded: true, blockStart: ip - 16 });
  }
  // listed out of address order on purpose: the kernel places them in order
  return { bytes, functions: functions.reverse() };
}

describe('a kernel whose text is a given image (KernelSpec.image)', () => {
  it('places the bytes as they are at TEXT_BASE and the functions in address order, without writing the caller array', () => {
    const image = x86Image(3);
    const before = image.bytes.slice();
    const k = createKernel({ options: x86(), functions: [], image });
    expect(k.textSize).toBe(image.bytes.length);
    expect(k.functions.map((f) => f.name)).toEqual(['fn0', 'fn1', 'fn2']);
    expect(k.fn('fn1')).toEqual({
      name: 'fn1',
      ip: TEXT_BASE + 128,
      padded: true,
      blockStart: TEXT_BASE + 112,
      cfi: false,
    });
    expect([...k.initialText]).toEqual([...before]);
    expect(bytesAt(k, TEXT_BASE, image.bytes.length)).toEqual([...before]);
    expect([...image.bytes]).toEqual([...before]);
  });

  it('still applies the boot rewrites: call-depth thunks in the last 9 padding bytes when active, nothing when idle', () => {
    const image = x86Image(2);
    const idle = createKernel({ options: x86({ callThunks: true }), functions: [], image });
    expect([...idle.initialText]).toEqual([...image.bytes]);
    const active = createKernel({ options: x86({ callThunks: true, thunksActive: true }), functions: [], image });
    for (const f of active.functions) {
      const pad = bytesAt(active, f.ip - 16, 16);
      expect(pad.slice(0, 16 - CALL_DEPTH_THUNK_SIZE)).toEqual(new Array<number>(7).fill(X86_NOP));
      expect(pad.slice(16 - CALL_DEPTH_THUNK_SIZE)).not.toEqual(new Array<number>(9).fill(X86_NOP));
      expect(bytesAt(active, f.ip, 4)).toEqual(ENDBR_FENTRY.slice(0, 4));
    }
    // a function the image says is no direct-call destination gets no thunk
    const fns = image.functions.map((f) => (f.name === 'fn0' ? { ...f, directCallDest: false } : f));
    const some = createKernel({
      options: x86({ callThunks: true, thunksActive: true }),
      functions: [],
      image: { ...image, functions: fns },
    });
    expect(bytesAt(some, some.fn('fn0').ip - 16, 16)).toEqual(new Array<number>(16).fill(X86_NOP));
  });

  it('arm64 CALL_OPS (6,4 with metadata): ftrace init points each literal at ftrace_nop_ops; the patch area starts at the first pre-entry NOP', () => {
    const nop = u32le(A64_NOP);
    const bytes = new Uint8Array(64);
    for (let i = 0; i < 16; i++) bytes.set(nop, 4 * i);
    const image: TextImage = { bytes, functions: [{ name: 'f', ip: 24, padded: true, blockStart: 8 }] };
    const k = createKernel({
      options: arm64({ callOps: true, withArgs: true, alignment8b: true }),
      functions: [],
      image,
    });
    expect(bytesAt(k, k.fn('f').ip - 8, 8)).toEqual(u64le(staticAddrOf(k, 'ftrace_nop_ops')));
    expect(k.fn('f').patchableEntry).toBe(TEXT_BASE + 8);
  });

  it('v4 attaches on it: the get writes mov $index,%eax at ip-16 of the function asked for, nothing else', () => {
    const image = x86Image(4);
    const k = createKernel({ options: x86(), functions: [], image });
    const store = v4.create(k);
    const md = run(k, lockedGet(store, k.fn('fn2').ip));
    expect(md).not.toBe(0);
    expect(bytesAt(k, k.fn('fn2').ip - 16, 5)).toEqual([0xb8, 0, 0, 0, 0]);
    const changed = bytesAt(k, TEXT_BASE, image.bytes.length).flatMap((b, i) => (b === image.bytes[i] ? [] : [i]));
    expect(changed).toEqual([176, 177, 178, 179, 180]);
  });

  it('holds a 30 MiB text; the fake callback addresses stay outside it', () => {
    const image = x86Image(2, 30 << 20);
    const k = createKernel({ options: x86(), functions: [], image });
    expect(k.isText(TEXT_BASE + (30 << 20))).toBe(true);
    expect(k.isText(RCU_CALLBACK_TEXT)).toBe(false);
    expect(k.isText(PERCPU_RELEASE_TEXT)).toBe(false);
    expect(k.defineStatic('x', [1])).toBeGreaterThanOrEqual(TEXT_BASE + k.textSize);
  });

  it('refuses what it cannot place, naming it', () => {
    const o = x86();
    const image = x86Image(2);
    const fns = (f: ImageFunction[]): TextImage => ({ bytes: image.bytes, functions: f });
    expect(() => createKernel({ options: o, functions: [{ name: 'a', padded: true }], image })).toThrow(
      'give functions or an image, not both',
    );
    expect(() =>
      createKernel({
        options: o,
        functions: [],
        image: fns([
          { name: 'a', ip: 64, padded: true, blockStart: 48 },
          { name: 'a', ip: 128, padded: true, blockStart: 112 },
        ]),
      }),
    ).toThrow('duplicate function name a');
    expect(() =>
      createKernel({
        options: o,
        functions: [],
        image: fns([
          { name: 'a', ip: 64, padded: true, blockStart: 48 },
          { name: 'b', ip: 64, padded: true, blockStart: 48 },
        ]),
      }),
    ).toThrow('two functions at offset 0x40');
    expect(() =>
      createKernel({
        options: o,
        functions: [],
        image: fns([{ name: 'a', ip: 1 << 20, padded: true, blockStart: 0 }]),
      }),
    ).toThrow('not inside the');
    expect(() =>
      createKernel({ options: o, functions: [], image: fns([{ name: 'a', ip: 64, padded: true, blockStart: 80 }]) }),
    ).toThrow('not inside the');
    expect(() =>
      createKernel({ options: o, functions: [], image: fns([{ name: 'a', ip: 64, padded: false, blockStart: 48 }]) }),
    ).toThrow('unpadded function a has a pre-entry block');
    expect(() =>
      createKernel({ options: o, functions: [], image: { bytes: new Uint8Array(MAX_TEXT_SIZE + 1), functions: [] } }),
    ).toThrow('text too large for the simulated address map');
  });
});
