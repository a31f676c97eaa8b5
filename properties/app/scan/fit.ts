/**
 * Which kfmd configurations (model/config) a scanned image's layout is: the padding the compiler
 * left (x86: -fpatchable-function-entry=PB,PB; arm64: N,M and CALL_OPS), the alignment, and what
 * the image says was built (kCFI preambles, objtool's .call_sites for call-depth thunks, `bti c`).
 * Boot-time choices (cfi=, retbleed=stuff) are not in the image: every configuration that differs
 * only by them is possible.
 */
import { allConfigurations, configurationByName } from '../../../model/config/index.ts';
import type { Configuration } from '../../../model/config/index.ts';
import { UsageError } from '../cli/errors.ts';
import type { KernelImage } from './image.ts';
import type { Site } from './sites.ts';

/** What the image's bytes and sections say about its padding. */
export interface Layout {
  readonly arch: 'x86' | 'arm64';
  /** -fpatchable-function-entry=N,M as the sites show it */
  readonly patchableEntry: string;
  /** bytes of padding before the entry (x86 PB, arm64 4 × M) */
  readonly paddingBytes: number;
  /** the largest power of two (16..64 on x86, 8 on arm64 CALL_OPS) every site's block is aligned to */
  readonly alignment: number;
  /** x86: a kCFI `mov $hash,%eax` right before the padding of most sites (CONFIG_CFI_CLANG) */
  readonly kcfi: boolean;
  /** x86: CONFIG_CALL_THUNKS built (objtool's .call_sites section); undefined when the image does not say */
  readonly callThunks?: boolean;
  /** arm64: `bti c` at the entry of most sites */
  readonly bti: boolean;
  /** arm64: the 8 bytes before the entry are the DYNAMIC_FTRACE_WITH_CALL_OPS literal */
  readonly callOps: boolean;
  /** how many sites the layout is read from */
  readonly sites: number;
}

export interface Fit {
  readonly layout: Layout;
  /** every configuration this image can be, as built (boot-time choices open) */
  readonly possible: readonly Configuration[];
  /** when none: why the image cannot host metadata */
  readonly why?: string;
  /** when none: the configurations a rebuilt kernel with the same options would be */
  readonly rebuilt: readonly Configuration[];
}

function mode(values: readonly number[]): number {
  const h = new Map<number, number>();
  for (const v of values) h.set(v, (h.get(v) ?? 0) + 1);
  let best = 0;
  let n = -1;
  for (const [v, c] of [...h.entries()].sort((a, b) => a[0] - b[0])) if (c > n) [best, n] = [v, c];
  return best;
}

function alignmentOf(addrs: readonly bigint[], from: number, to: number): number {
  let a = from;
  while (a * 2 <= to && addrs.every((x) => x % BigInt(a * 2) === 0n)) a *= 2;
  return a;
}

/** The padding layout the sites show. `addrOf` gives a site's entry address. */
export function layoutOf(image: KernelImage, sites: readonly Site[], addrOf: (s: Site) => bigint): Layout {
  const bytesBefore = (s: Site, back: number): number | undefined => {
    const r = image.regions[s.region];
    return r && s.offset - back >= 0 ? r.bytes[s.offset - back] : undefined;
  };
  if (image.arch === 'x86') {
    // alignment filler before the padding can end in 0x90 too: the padding is the common run
    const pb = mode(sites.map((s) => s.padBytes));
    const kcfi = sites.filter((s) => bytesBefore(s, pb + 5) === 0xb8).length * 2 > sites.length;
    const block = kcfi ? pb + 5 : pb;
    const alignment = alignmentOf(
      sites.filter((s) => s.padBytes >= pb).map((s) => addrOf(s) - BigInt(block)),
      16,
      64,
    );
    const callThunks = image.sections.size > 0 ? image.sections.has('.call_sites') : undefined;
    return {
      arch: 'x86',
      patchableEntry: `${pb},${pb}`,
      paddingBytes: block,
      alignment,
      kcfi,
      ...(callThunks !== undefined ? { callThunks } : {}),
      bti: false,
      callOps: false,
      sites: sites.length,
    };
  }
  // arm64: M pre-entry NOPs, the smallest run any site has (one more NOP can be alignment filler)
  const m = Math.min(...sites.map((s) => s.padBytes)) / 4;
  const bti = sites.filter((s) => s.bti === true).length * 2 > sites.length;
  return {
    arch: 'arm64',
    patchableEntry: `${m + 2},${m}`,
    paddingBytes: 4 * m,
    alignment: 8,
    kcfi: false,
    bti,
    // a kernel without kfunc_md's FUNCTION_METADATA has pre-entry NOPs only with CALL_OPS, and CALL_OPS
    // always leaves two (4,2): the scan reads that as CALL_OPS; --config can say otherwise
    callOps: m === 2 || m >= 4,
    sites: sites.length,
  };
}

/** The byte layout matches: what a forced --config must agree with. */
function sameBytes(c: Configuration, l: Layout): boolean {
  return (
    c.arch === l.arch &&
    c.patchableEntry === l.patchableEntry &&
    c.alignment === l.alignment &&
    c.options.cfiClang === l.kcfi &&
    (c.options.arch !== 'arm64' || c.options.bti === l.bti)
  );
}

/** Also what was built agrees (CALL_OPS, call thunks). */
function sameBuild(c: Configuration, l: Layout): boolean {
  if (c.options.arch === 'arm64') return c.options.callOps === l.callOps;
  return l.callThunks === undefined || c.options.callThunks === l.callThunks;
}

export function fitOf(layout: Layout): Fit {
  const all = allConfigurations();
  const possible = all.filter((c) => sameBytes(c, layout) && sameBuild(c, layout));
  if (possible.length > 0) return { layout, possible, rebuilt: [] };
  // same arch and what was built, any padding: what kfmd would need the kernel rebuilt with
  const rebuilt = all.filter(
    (c) =>
      c.arch === layout.arch &&
      c.options.cfiClang === layout.kcfi &&
      sameBuild(c, layout) &&
      (c.options.arch !== 'arm64' || c.options.bti === layout.bti),
  );
  return { layout, possible, rebuilt, why: whyNot(layout, rebuilt) };
}

function whyNot(l: Layout, rebuilt: readonly Configuration[]): string {
  const need = rebuilt.map((c) => `${c.name} (${c.patchableEntry}, md at ip-${c.insnOffset})`).join(', ');
  if (l.arch === 'arm64' && l.callOps && l.paddingBytes === 8) {
    return (
      `-fpatchable-function-entry=${l.patchableEntry} with CALL_OPS (mainline): the 8 bytes before each entry are all ` +
      `the ftrace_ops literal at ip-8, so there is no room for the md word at ip-12 that kfunc_md's CALL_OPS layout ` +
      `needs (6,4: 4 NOPs before the entry)${need ? `; rebuilt with FUNCTION_METADATA it would be ${need}` : ''}`
    );
  }
  return (
    `no kfmd configuration has ${l.arch} padding ${l.patchableEntry} at alignment ${l.alignment}` +
    `${l.kcfi ? ' with kCFI' : ''}${need ? `; a rebuilt kernel would need one of: ${need}` : ''}`
  );
}

/** --config NAME on this image: the configuration, refused when the image's bytes cannot be it. */
export function forcedConfig(name: string, layout: Layout): Configuration {
  const c = configurationByName(name);
  if (!sameBytes(c, layout)) {
    throw new UsageError(
      `--config ${name} does not match the image: it has ${c.arch} padding ${c.patchableEntry} at alignment ${c.alignment}` +
        `${c.options.cfiClang ? ' with kCFI' : ''}, the image ${layout.arch} ${layout.patchableEntry} at alignment ${layout.alignment}` +
        `${layout.kcfi ? ' with kCFI' : ''}${layout.bti ? ' with BTI' : ''}`,
    );
  }
  return c;
}
