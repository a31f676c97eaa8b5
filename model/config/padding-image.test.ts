import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  DEFAULT_PADDING_PARAMS,
  allConfigurations,
  configurationByName,
  linkTimeImage,
  paddingImage,
  shapeOf,
} from './index.ts';
import type { PaddingParams } from './index.ts';

const P: PaddingParams = { kcfiHash: 0x11223344, thunkRel32: -2, callOpsLiteral: 0x0102030405060708n };

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
function nops(n: number): string {
  return Array(n).fill('90').join(' ');
}
const A64_NOP = '1f 20 03 d5';

describe('paddingImage at boot', () => {
  it('case A: sixteen NOPs', () => {
    expect(hex(paddingImage(configurationByName('x86-A16'), P))).toBe(nops(16));
  });

  it('case A with the call-depth thunk (X2)', () => {
    expect(hex(paddingImage(configurationByName('x86-A16-thunks'), P))).toBe(`${nops(7)} 65 48 c1 3d fe ff ff ff 05`);
  });

  it('case B: kCFI mov at the head, the rest NOPs (X3)', () => {
    expect(hex(paddingImage(configurationByName('x86-B-kcfi'), P))).toBe(`b8 44 33 22 11 ${nops(11)}`);
  });

  it('case C kCFI mode with thunk (X4)', () => {
    expect(hex(paddingImage(configurationByName('x86-C-kcfi-kconfig-thunks'), P))).toBe(
      `b8 44 33 22 11 ${nops(18)} 65 48 c1 3d fe ff ff ff 05`,
    );
  });

  it('case C FineIBT (X5), each encoding', () => {
    const head = `b8 44 33 22 11 ${nops(11)}`;
    expect(hex(paddingImage(configurationByName('x86-C-fineibt-intent'), P))).toBe(
      `${head} f3 0f 1e fa 41 81 ea 44 33 22 11 75 f9 0f 1f 00`,
    );
    expect(hex(paddingImage(configurationByName('x86-C-fineibt-pre2025-intent'), P))).toBe(
      `${head} f3 0f 1e fa 41 81 ea 44 33 22 11 74 03 0f 0b 90`,
    );
    expect(hex(paddingImage(configurationByName('x86-C-fineibt-later-intent'), P))).toBe(
      `${head} f3 0f 1e fa 2d 44 33 22 11 67 0f 1f 40 d6 75 fd`,
    );
  });

  it('case C Kconfig reading + FineIBT: the md window is not all NOPs', () => {
    const c = configurationByName('x86-C-fineibt-kconfig');
    const img = paddingImage(c, P);
    const md = img.subarray(c.paddingBytes - c.insnOffset, c.paddingBytes - c.insnOffset + c.insnSize);
    expect(hex(md)).toBe('90 90 90 f3 0f');
    expect(md[0]).not.toBe(0xb8);
  });

  it('arm64: NOP words, CALL_OPS literal LE at [-8,0)', () => {
    expect(hex(paddingImage(configurationByName('arm64-md-1,1'), P))).toBe(A64_NOP);
    expect(hex(paddingImage(configurationByName('arm64-args8-4,2'), P))).toBe(`${A64_NOP} ${A64_NOP}`);
    expect(hex(paddingImage(configurationByName('arm64-callops-6,4-bti'), P))).toBe(
      `${A64_NOP} ${A64_NOP} 08 07 06 05 04 03 02 01`,
    );
  });

  it('the link-time image has NOPs where boot code writes', () => {
    expect(hex(linkTimeImage(configurationByName('x86-C-fineibt-kconfig'), P))).toBe(`b8 44 33 22 11 ${nops(27)}`);
    expect(hex(linkTimeImage(configurationByName('arm64-callops-6,4'), P))).toBe(Array(4).fill(A64_NOP).join(' '));
  });

  it('every image has paddingBytes bytes, with the default parameters too', () => {
    for (const c of allConfigurations()) {
      expect(paddingImage(c).length).toBe(c.paddingBytes);
      expect(paddingImage(c, DEFAULT_PADDING_PARAMS)).toEqual(paddingImage(c));
    }
  });

  it('a static without a kCFI preamble: all NOPs at boot, FineIBT and the mov absent (§4.4 X5)', () => {
    const noKcfi = (name: string) => {
      const c = configurationByName(name);
      return hex(paddingImage(c, P, shapeOf(c, { cfi: false, directCallDest: true })));
    };
    expect(noKcfi('x86-B-kcfi')).toBe(nops(16));
    expect(noKcfi('x86-C-fineibt-kconfig')).toBe(nops(32));
    expect(noKcfi('x86-C-fineibt-later-intent')).toBe(nops(32));
    // the thunk still goes to a direct-call destination without a preamble
    expect(noKcfi('x86-C-kcfi-kconfig-thunks')).toBe(`${nops(23)} 65 48 c1 3d fe ff ff ff 05`);
    const c = configurationByName('x86-C-fineibt-kconfig');
    expect(hex(linkTimeImage(c, P, shapeOf(c, { cfi: false, directCallDest: true })))).toBe(nops(32));
  });

  it('a function never called directly: no thunk (callthunks patches only call destinations)', () => {
    const c = configurationByName('x86-A16-thunks');
    expect(hex(paddingImage(c, P, shapeOf(c, { cfi: false, directCallDest: false })))).toBe(nops(16));
    const k = configurationByName('x86-C-kcfi-intent-thunks');
    expect(hex(paddingImage(k, P, shapeOf(k, { cfi: true, directCallDest: false })))).toBe(
      `b8 44 33 22 11 ${nops(27)}`,
    );
  });

  it('every shape of every configuration has paddingBytes bytes', () => {
    for (const c of allConfigurations())
      for (const s of c.shapes) expect(paddingImage(c, P, s).length, `${c.name} ${s.name}`).toBe(c.paddingBytes);
  });

  it('out-of-range parameters are ConfigErrors', () => {
    const c = configurationByName('x86-B-kcfi');
    expect(() => paddingImage(c, { ...P, kcfiHash: -1 })).toThrow(ConfigError);
    expect(() => paddingImage(c, { ...P, thunkRel32: 2 ** 32 })).toThrow(ConfigError);
    expect(() => paddingImage(c, { ...P, callOpsLiteral: 1n << 64n })).toThrow(ConfigError);
  });
});
