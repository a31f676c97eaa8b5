/**
 * `kfmd scan`: a real kernel image read, its ftrace sites and padding found from the code, the
 * kfmd configurations its layout can be, and (when one fits) metadata attached to every padded
 * function in the simulation and verified. Deterministic: the same file gives the same summary
 * (times aside).
 */
import type { Implementation } from '../../../impl/contract/index.ts';
import type { Configuration } from '../../../model/config/index.ts';
import { attachAll } from './attach.ts';
import type { AttachResult } from './attach.ts';
import { fitOf, forcedConfig, layoutOf } from './fit.ts';
import type { Fit } from './fit.ts';
import { readKernelImage } from './image.ts';
import type { KernelImage, TextRegion } from './image.ts';
import { findArm64Sites, findX86Sites } from './sites.ts';
import type { Site, SiteScan } from './sites.ts';

export interface ScanOptions {
  readonly impl: Implementation;
  /** a configuration name to use instead of the first possible one */
  readonly config?: string;
  /** attach only the first N sites (address order); 0: scan only */
  readonly limit?: number;
  readonly onStage?: (stage: string) => void;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface RegionCount {
  readonly region: string;
  readonly addr: string;
  readonly sites: number;
}

export interface ScanSummary {
  readonly layers: readonly string[];
  readonly arch: 'x86' | 'arm64';
  /** the region metadata is attached in (.text), its link address (hex) and size */
  readonly text: { readonly region: string; readonly addr: string; readonly size: number; readonly linked: boolean };
  /** x86: __fentry__'s address (hex) and how many endbr64-led entries voted for it */
  readonly fentry?: { readonly addr: string; readonly votes: number };
  /** sites in the attach region */
  readonly sites: number;
  /** x86: how many start with endbr64 / without; arm64: how many have `bti c` */
  readonly endbr?: { readonly with: number; readonly without: number };
  readonly bti?: number;
  /** sites in the other executable regions (.init.text: freed after boot, not attached) */
  readonly elsewhere: readonly RegionCount[];
  /** [padding bytes, sites] in the attach region */
  readonly padHistogram: readonly (readonly [number, number])[];
  /** sites with less padding than the layout has: never attached */
  readonly unpadded: number;
  readonly layout: Fit['layout'];
  readonly possible: readonly string[];
  readonly why?: string;
  readonly rebuilt: readonly string[];
  /** the configuration used (the first possible one, or --config) */
  readonly config?: string;
  readonly attach?: AttachSummary;
  readonly scanMs: number;
}

export interface AttachSummary extends Omit<AttachResult, 'attachMs' | 'verifyMs'> {
  readonly impl: string;
  readonly config: string;
  readonly asked: number;
  readonly attachSeconds: number;
  readonly verifySeconds: number;
  /** microseconds per attached function */
  readonly perFunctionUs: number;
  /** everything held: every get succeeded, every window decodes, nothing else changed */
  readonly verified: boolean;
}

function hex(a: bigint): string {
  return `0x${a.toString(16)}`;
}

/** The region to attach in: .text of an ELF, else the region with the most sites. */
function attachRegion(image: KernelImage, scan: SiteScan): number {
  const text = image.regions.findIndex((r) => r.name === '.text');
  if (text >= 0) return text;
  const n = image.regions.map((_, i) => scan.sites.filter((s) => s.region === i).length);
  return n.indexOf(Math.max(...n));
}

function nameOf(image: KernelImage, r: TextRegion, s: Site): string {
  const addr = r.addr + BigInt(s.offset);
  if (!image.linked) return `Image+${hex(addr)}`;
  return image.symbols.get(addr) ?? `fn_${addr.toString(16)}`;
}

export async function scanFile(bytes: Uint8Array, opts: ScanOptions): Promise<ScanSummary> {
  const t0 = performance.now();
  const image = await readKernelImage(bytes, opts.onStage);
  opts.onStage?.('finding ftrace sites');
  const scan = image.arch === 'x86' ? findX86Sites(image.regions) : findArm64Sites(image.regions);
  const ri = attachRegion(image, scan);
  const region = image.regions[ri];
  const mine = scan.sites.filter((s) => s.region === ri);
  if (!region || mine.length === 0) {
    throw new ScanNothing(
      `no ftrace sites found in ${image.layers.join(' → ')}: no ${image.arch === 'x86' ? '16-aligned [endbr64;] call __fentry__ entries' : 'CALL_OPS nop nop | nop nop entries'}`,
    );
  }
  const layout = layoutOf(image, mine, (s) => region.addr + BigInt(s.offset));
  const fit = fitOf(layout);
  const config: Configuration | undefined =
    opts.config !== undefined ? forcedConfig(opts.config, layout) : fit.possible[0];
  const need = image.arch === 'x86' ? Number(layout.patchableEntry.split(',')[0]) : layout.paddingBytes;
  const padded = mine.filter((s) => s.padBytes >= need);
  const elsewhere = image.regions.flatMap((r, i) => {
    const n = i === ri ? 0 : scan.sites.filter((s) => s.region === i).length;
    return n > 0 ? [{ region: r.name, addr: hex(r.addr), sites: n }] : [];
  });
  const padHistogram = [...new Map(mine.map((s) => [s.padBytes, 0])).keys()]
    .sort((a, b) => a - b)
    .map((p) => [p, mine.filter((s) => s.padBytes === p).length] as const);
  const base: ScanSummary = {
    layers: image.layers,
    arch: image.arch,
    text: { region: region.name, addr: hex(region.addr), size: region.bytes.length, linked: image.linked },
    ...(scan.fentry !== undefined ? { fentry: { addr: hex(scan.fentry), votes: scan.fentryCalls ?? 0 } } : {}),
    sites: mine.length,
    ...(image.arch === 'x86'
      ? {
          endbr: {
            with: mine.filter((s) => s.endbr === true).length,
            without: mine.filter((s) => s.endbr !== true).length,
          },
        }
      : { bti: mine.filter((s) => s.bti === true).length }),
    elsewhere,
    padHistogram,
    unpadded: mine.length - padded.length,
    layout,
    possible: fit.possible.map((c) => c.name),
    ...(fit.why !== undefined ? { why: fit.why } : {}),
    rebuilt: fit.rebuilt.map((c) => c.name),
    ...(config ? { config: config.name } : {}),
    scanMs: 0,
  };
  const limit = opts.limit ?? padded.length;
  if (!config || limit === 0) return { ...base, scanMs: performance.now() - t0 };
  const chosen = padded.slice(0, limit);
  opts.onStage?.(`attaching ${chosen.length} functions with ${opts.impl.name} on ${config.name}`);
  const r = attachAll({
    config,
    impl: opts.impl,
    text: region.bytes,
    functions: chosen.map((s) => ({ name: nameOf(image, region, s), ip: s.offset })),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  const { attachMs, verifyMs, ...rest } = r;
  const attach: AttachSummary = {
    ...rest,
    impl: opts.impl.name,
    config: config.name,
    asked: chosen.length,
    attachSeconds: round(attachMs / 1000, 3),
    verifySeconds: round(verifyMs / 1000, 3),
    perFunctionUs: r.attached > 0 ? round((attachMs * 1000) / r.attached, 1) : 0,
    verified:
      r.failed === 0 &&
      r.problems.length === 0 &&
      r.strayBytes === 0 &&
      (r.index !== 'padding-insn' || r.windowsOk === chosen.length),
  };
  return { ...base, attach, scanMs: performance.now() - t0 };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The image was read but has no ftrace site at all (a kernel without ftrace, or not a kernel). */
export class ScanNothing extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScanNothing';
  }
}

const n = (x: number): string => x.toLocaleString('en-US');

/** The human-readable summary. */
export function renderScan(file: string, s: ScanSummary): string {
  const lines: string[] = [`kfmd scan ${file}`];
  const row = (k: string, v: string): void => void lines.push(`  ${k.padEnd(10)}  ${v}`);
  row(
    'image',
    `${s.layers.join(' → ')}; ${s.text.region} ${s.text.linked ? `at ${s.text.addr}` : 'from offset 0'}, ${n(s.text.size)} bytes`,
  );
  if (s.fentry)
    row('__fentry__', `${s.fentry.addr} (called right after endbr64 at ${n(s.fentry.votes)} 16-aligned entries)`);
  const pads = s.padHistogram.map(([p, c]) => `${n(c)} × ${p}`).join(', ');
  if (s.arch === 'x86' && s.endbr) {
    row(
      'sites',
      `${n(s.sites)} in ${s.text.region}: ${n(s.endbr.with)} endbr64; call __fentry__, ${n(s.endbr.without)} call __fentry__ without endbr64`,
    );
    row('', `0x90 bytes before the entry: ${pads}`);
  } else {
    row(
      'sites',
      `${n(s.sites)} CALL_OPS sites (nop nop | nop nop <body>, entry-8 8-aligned), ${n(s.bti ?? 0)} with bti c`,
    );
    row('', `NOP bytes before the entry: ${pads}`);
  }
  for (const e of s.elsewhere)
    row('', `${n(e.sites)} more in ${e.region} (not attached${e.region === '.init.text' ? ': freed after boot' : ''})`);
  if (s.unpadded > 0) row('', `${n(s.unpadded)} with less padding than the layout: never attached`);
  const l = s.layout;
  const built =
    l.arch === 'x86'
      ? `${l.kcfi ? 'kCFI' : 'no kCFI'}, call-depth thunks ${l.callThunks === undefined ? 'unknown' : l.callThunks ? 'built (.call_sites)' : 'not built'}`
      : `${l.callOps ? 'CALL_OPS' : 'no CALL_OPS'}, ${l.bti ? 'BTI' : 'no bti c'}`;
  row('layout', `-fpatchable-function-entry=${l.patchableEntry}, ${l.alignment}-aligned, ${built}`);
  if (s.possible.length > 0) {
    const thunks = s.possible.some((p) => p.endsWith('-thunks')) && s.possible.some((p) => p.endsWith('-thunks-idle'));
    row(
      'fits',
      `${s.possible.join(', ')}${thunks ? ' (the thunks are written at boot only with retbleed=stuff)' : ''}`,
    );
  } else {
    row('fits', `none: the image cannot host metadata as built: ${s.why ?? ''}`);
    if (s.rebuilt.length > 0) row('rebuilt', s.rebuilt.join(', '));
  }
  const a = s.attach;
  if (!a) {
    row('attach', s.config ? 'not run (--limit 0)' : 'not possible on this image');
    return `${lines.join('\n')}\n`;
  }
  row(
    'attach',
    `${a.impl} on ${a.config}: ${n(a.attached)} of ${n(a.asked)} functions in ${a.attachSeconds.toFixed(1)} s (${a.perFunctionUs.toFixed(1)} µs per function); array ${n(a.array.count)} slots, ${n(a.array.used)} used, order ${a.array.order}`,
  );
  if (a.failed > 0) row('', `${n(a.failed)} gets failed: ${a.failedNames.join(', ')}`);
  if (a.index === 'padding-insn') {
    row(
      'verify',
      `${n(a.windowsOk)} of ${n(a.asked)} windows decode to their get's index; ${n(a.strayBytes)} bytes changed outside the windows (${n(a.windowBytes)} inside); ${a.verifySeconds.toFixed(1)} s`,
    );
  } else {
    row('verify', `${a.index} design: ${n(a.strayBytes)} text bytes changed; ${a.verifySeconds.toFixed(1)} s`);
  }
  if (a.bootBytes > 0) row('', `boot rewrote ${n(a.bootBytes)} bytes of the image for ${a.config}`);
  for (const p of a.problems) row('', `✗ ${p}`);
  row('result', a.verified ? 'verified' : 'NOT verified');
  return `${lines.join('\n')}\n`;
}
