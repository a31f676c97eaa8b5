/**
 * Ties the layout code to real compiler output: the compiler-rule layout must reproduce
 * every measured dump, and the kernel configurations must agree with it.
 */
import { describe, expect, it } from 'vitest';
import { REAL_DUMPS } from './fixtures/real-dumps.ts';
import type { RealDump } from './fixtures/real-dumps.ts';
import {
  DEFAULT_PADDING_PARAMS,
  allConfigurations,
  compilerInputFor,
  compilerLayout,
  configurationByName,
  linkTimeImage,
  paddingImage,
} from '../../../model/config/index.ts';
import type { CompilerLayout, PaddingParams } from '../../../model/config/index.ts';

function layoutOf(d: RealDump): CompilerLayout {
  return compilerLayout({ arch: d.arch, ...d.layout });
}

/** The last `n` listed bytes before the entry. */
function tail(d: RealDump, n: number): number[] {
  return n === 0 ? [] : d.bytesBefore.slice(-n);
}

describe('compiler-rule layout reproduces every real dump', () => {
  it('the fixture set is complete and ids are unique', () => {
    expect(REAL_DUMPS.length).toBe(33);
    expect(new Set(REAL_DUMPS.map((d) => d.id)).size).toBe(REAL_DUMPS.length);
  });

  it.each(REAL_DUMPS.map((d) => [d.id, d] as const))('%s', (_id, d) => {
    const l = layoutOf(d);
    expect(d.bytesBefore.length).toBeGreaterThanOrEqual(l.window.length);
    expect(tail(d, l.window.length)).toEqual(Array.from(l.window));

    const hasWindow = d.layout.kcfi?.hash != null || (d.layout.padded && (d.layout.patchable?.m ?? 0) > 0);
    expect(l.window.length > 0).toBe(hasWindow);

    // A function the flag skips must not show the patch NOPs it would otherwise get.
    const m = d.layout.patchable?.m ?? 0;
    if (!d.layout.padded && m > 0 && d.bytesBefore.length >= l.window.length + m) {
      const unit = d.arch === 'x86' ? 1 : 4;
      const wouldBe = compilerLayout({ arch: d.arch, ...d.layout, padded: true, kcfi: null }).window;
      const before = d.bytesBefore.slice(
        d.bytesBefore.length - l.window.length - m * unit,
        d.bytesBefore.length - l.window.length,
      );
      expect(before).not.toEqual(Array.from(wouldBe));
    }

    if (d.bytesAtEntry.length > 0) {
      expect(d.bytesAtEntry.slice(0, l.entryPrefix.length)).toEqual(Array.from(l.entryPrefix));
    }
    if (d.offset !== null) expect(d.offset % d.layout.alignment).toBe(l.entryPhase);
  });
});

const P: PaddingParams = DEFAULT_PADDING_PARAMS;

describe('kernel configurations agree with the compiler rules', () => {
  it.each(allConfigurations().map((c) => [c.name, c] as const))('%s: link-time image = compiler layout', (_n, c) => {
    const l = compilerLayout(compilerInputFor(c, P));
    expect(l.window.length).toBe(c.paddingBytes);
    expect(Array.from(linkTimeImage(c, P))).toEqual(Array.from(l.window));
  });

  it.each(allConfigurations().map((c) => [c.name, c] as const))(
    '%s: boot image differs only where boot code writes',
    (_n, c) => {
      const boot = paddingImage(c, P);
      const linked = linkTimeImage(c, P);
      const bootWritten = (off: number): boolean =>
        c.occupants.some(
          (o) => ['thunk', 'fineibt', 'bhi', 'callops'].includes(o.kind) && o.start <= off && off < o.end,
        );
      for (let off = -c.paddingBytes; off < 0; off++) {
        if (!bootWritten(off)) expect(boot[off + c.paddingBytes]).toBe(linked[off + c.paddingBytes]);
      }
    },
  );

  const dump = (id: string): RealDump => {
    const d = REAL_DUMPS.find((x) => x.id === id);
    if (d === undefined) throw new Error(`no dump ${id}`);
    return d;
  };

  // Each kernel configuration next to the real dump that has its compiler flags.
  it.each([
    ['x86-A16', 'x86-gcc-16,16-add', 'boot'],
    ['x86-A16', 'x86-gcc-kernel-16,16-add', 'boot'],
    ['x86-A32', 'x86-gcc-32,32-add', 'boot'],
    ['x86-B-kcfi', 'x86-clang-kcfi-11,11-add', 'boot'],
    ['x86-B-kcfi', 'x86-clang-kernel-kcfi-11,11', 'boot'],
    ['x86-C-kcfi-kconfig-thunks-idle', 'x86-clang-kcfi-27,27-add', 'boot'],
    ['x86-C-kcfi-intent-fineibt-built', 'x86-clang-kcfi-27,27-add', 'boot'],
    ['x86-C-fineibt-kconfig', 'x86-clang-kcfi-27,27-add', 'link'],
    ['arm64-md-1,1', 'arm64-gcc-1,1-add', 'boot'],
    ['arm64-md-1,1', 'arm64-clang-1,1-add', 'boot'],
    ['arm64-args-3,1', 'arm64-gcc-3,1-add', 'boot'],
    ['arm64-args8-4,2', 'arm64-clang-4,2-add', 'boot'],
    ['arm64-callops-6,4', 'arm64-gcc-6,4-a8-add', 'link'],
    ['arm64-callops-6,4', 'arm64-clang-6,4-a8-add', 'link'],
  ] as const)('%s matches %s (%s image)', (name, id, stage) => {
    const c = configurationByName(name);
    const d = dump(id);
    const image = stage === 'boot' ? paddingImage(c, P) : linkTimeImage(c, P);
    expect(tail(d, c.paddingBytes)).toEqual(Array.from(image));
    expect(c.patchableEntry).toBe(`${d.layout.patchable?.n},${d.layout.patchable?.m}`);
  });

  it('BTI moves the ftrace NOPs behind bti c, the padding stays', () => {
    const c = configurationByName('arm64-args8-4,2-bti');
    const d = dump('arm64-gcc-bti-4,2-a8-add');
    expect(tail(d, c.paddingBytes)).toEqual(Array.from(paddingImage(c, P)));
    expect(d.bytesAtEntry.slice(0, 12)).toEqual(Array.from(compilerLayout(compilerInputFor(c, P)).entryPrefix));
  });
});
