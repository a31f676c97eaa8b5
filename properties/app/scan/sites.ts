/**
 * Function entries found from the code itself (a packaged System.map is a placeholder, a
 * decompressed vmlinuz has no symbol table): the ftrace sites of each architecture and the
 * padding before them. Pure byte scans over the image's executable regions, deterministic.
 */
import type { TextRegion } from './image.ts';

/** One traced function entry. */
export interface Site {
  /** index into the regions the scan was given */
  readonly region: number;
  /** entry offset inside its region */
  readonly offset: number;
  /** bytes of NOP padding right before the entry (x86 0x90 bytes; arm64 NOP words × 4) */
  readonly padBytes: number;
  /** x86: the entry starts with `endbr64` (gcc emits none in a static function whose address is never taken) */
  readonly endbr?: boolean;
  /** arm64: `bti c` at the entry, the ftrace NOPs after it */
  readonly bti?: boolean;
}

export interface SiteScan {
  readonly sites: readonly Site[];
  /** how many sites have each padding length (bytes), ascending */
  readonly padHistogram: readonly (readonly [number, number])[];
  /** x86: the common target of the fentry calls (__fentry__), as an address; arm64: undefined */
  readonly fentry?: bigint;
  /** x86: how many 16-aligned `endbr64; call` entries call it, the vote that chose it */
  readonly fentryCalls?: number;
}

const ENDBR64 = [0xf3, 0x0f, 0x1e, 0xfa];
const X86_CALL = 0xe8;
const X86_NOP = 0x90;
/** the longest padding the scan measures: CONFIG_FUNCTION_PADDING_BYTES is at most 64 */
const MAX_PAD = 64;

const A64_NOP = 0xd503201f;
const A64_BTI_C = 0xd503245f;

function histogram(sites: readonly Site[]): [number, number][] {
  const h = new Map<number, number>();
  for (const s of sites) h.set(s.padBytes, (h.get(s.padBytes) ?? 0) + 1);
  return [...h.entries()].sort((a, b) => a[0] - b[0]);
}

function isEndbr(b: Uint8Array, p: number): boolean {
  return b[p] === ENDBR64[0] && b[p + 1] === ENDBR64[1] && b[p + 2] === ENDBR64[2] && b[p + 3] === ENDBR64[3];
}

/** where the fentry call at entry p starts: p + 4 after an endbr64, p itself, or -1 when there is no call */
function callAt(b: Uint8Array, p: number): number {
  const at = isEndbr(b, p) ? p + 4 : p;
  return at + 5 <= b.length && b[at] === X86_CALL ? at : -1;
}

/** The 16-aligned offsets of a region (by address: the region's base need not be aligned). */
function* aligned(region: TextRegion, align: number): Generator<number> {
  const first = Number((BigInt(align) - (region.addr % BigInt(align))) % BigInt(align));
  for (let p = first; p < region.bytes.length; p += align) yield p;
}

/**
 * x86: 16-aligned entries that start `[endbr64;] call __fentry__`, where __fentry__ is the most
 * common target of the calls right after an `endbr64` at a 16-aligned address, with the run of
 * 0x90 bytes before each (CONFIG_CALL_PADDING puts FUNCTION_PADDING_BYTES of them there, and
 * alignment filler before them may end in 0x90 too; the run is cut at 64 and at the region start).
 */
export function findX86Sites(regions: readonly TextRegion[]): SiteScan {
  const targets = new Map<bigint, number>();
  /** the target of the call at c */
  const target = (r: TextRegion, c: number): bigint => {
    const b = r.bytes;
    const rel = (b[c + 1] | (b[c + 2] << 8) | (b[c + 3] << 16) | (b[c + 4] << 24)) >> 0;
    return r.addr + BigInt(c + 5 + rel);
  };
  for (const r of regions) {
    for (const p of aligned(r, 16)) {
      const c = callAt(r.bytes, p);
      if (c !== p + 4) continue;
      const t = target(r, c);
      targets.set(t, (targets.get(t) ?? 0) + 1);
    }
  }
  let fentry: bigint | undefined;
  let best = 0;
  // ties go to the lowest address, so the answer never depends on Map order
  for (const [t, n] of targets) {
    if (n > best || (n === best && fentry !== undefined && t < fentry)) [fentry, best] = [t, n];
  }
  if (fentry === undefined) return { sites: [], padHistogram: [], fentryCalls: 0 };
  const sites: Site[] = [];
  regions.forEach((r, region) => {
    for (const p of aligned(r, 16)) {
      const c = callAt(r.bytes, p);
      if (c < 0 || target(r, c) !== fentry) continue;
      let pad = 0;
      while (pad < MAX_PAD && p - pad - 1 >= 0 && r.bytes[p - pad - 1] === X86_NOP) pad++;
      sites.push({ region, offset: p, padBytes: pad, endbr: c === p + 4 });
    }
  });
  return { sites, padHistogram: histogram(sites), fentry, fentryCalls: best };
}

function word(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}

/**
 * arm64: patchable ftrace entries with the CALL_OPS literal room before them: at the entry two NOP
 * words (after `bti c` when the kernel has BTI), then a body word that is not a NOP, and at least
 * two NOP words before the entry with entry − 8 8-aligned (the ops pointer's slot). padBytes is the
 * whole NOP run before the entry (cut at 64 bytes); one NOP of it may be alignment filler.
 */
export function findArm64Sites(regions: readonly TextRegion[]): SiteScan {
  const sites: Site[] = [];
  regions.forEach((r, region) => {
    const b = r.bytes;
    for (const p of aligned(r, 8)) {
      // p is entry - 8
      const ip = p + 8;
      if (ip + 12 > b.length || word(b, p) !== A64_NOP || word(b, p + 4) !== A64_NOP) continue;
      const bti = word(b, ip) === A64_BTI_C;
      const at = bti ? ip + 4 : ip;
      if (at + 12 > b.length || word(b, at) !== A64_NOP || word(b, at + 4) !== A64_NOP) continue;
      if (word(b, at + 8) === A64_NOP) continue;
      let pad = 8;
      while (pad < MAX_PAD && ip - pad - 4 >= 0 && word(b, ip - pad - 4) === A64_NOP) pad += 4;
      sites.push({ region, offset: ip, padBytes: pad, ...(bti ? { bti: true } : {}) });
    }
  });
  return { sites, padHistogram: histogram(sites) };
}
