/**
 * x86 configurations of the v4 series (spec §4.2–§4.4). v3/v4 Kconfig: FUNCTION_METADATA
 * selects CALL_PADDING, and FUNCTION_ALIGNMENT_32B if (CFI_CLANG && CALL_THUNKS) || FINEIBT.
 *
 * Options map one-to-one onto configurations: a field that cannot change any byte in a
 * given case (caseCReading outside case C, fineibtEncoding outside FineIBT mode) must hold
 * its default, so that two option objects never name the same configuration.
 */
import type { X86Options } from './options.ts';
import type { Configuration } from './configuration.ts';
import { describeOverlaps, fillWithNops, occupant } from './occupant.ts';
import type { Occupant } from './occupant.ts';
import { X86_ENDBR64, X86_POISONED_ENDBR } from './bytes.ts';
import { ORDINARY_FUNCTION, factsThatMatter, plainShape, shapeName } from './shape.ts';
import type { ArityClass, EntryAtBoot, FunctionShape, ShapeFacts } from './shape.ts';

/** KFUNC_MD_INSN_SIZE */
const INSN_SIZE = 5;
/** SKL_TMPL_SIZE: the INCREMENT_CALL_DEPTH thunk callthunks copies into the padding */
const THUNK_SIZE = 9;
/** fineibt_preamble_size */
const FINEIBT_SIZE = 16;
/** the kCFI `mov $hash,%eax` at __cfi_<name> */
const KCFI_SIZE = 5;
/** fineibt_preamble_bhi: where FINEIBT_BHI's per-arity tail starts in the preamble */
const BHI_TAIL_OFFSET = 9;
const SELECT_32B = 'FUNCTION_METADATA selects FUNCTION_ALIGNMENT_32B if (CFI_CLANG && CALL_THUNKS) || FINEIBT';

/**
 * A: no CFI. B: kCFI alone. C: kCFI with call thunks, or FineIBT built
 * (!CONFIG_CFI_CLANG; CONFIG_CFI_CLANG alone; CONFIG_CFI_CLANG && (CONFIG_CALL_THUNKS || CONFIG_FINEIBT)).
 */
export type X86Case = 'A' | 'B' | 'C';

export function x86Case(o: X86Options): X86Case {
  if (!o.cfiClang) return 'A';
  return o.callThunks || o.fineibt ? 'C' : 'B';
}

/** Why these options are not a v4 configuration, or null when they are. */
export function rejectX86(o: X86Options): string | null {
  if (![16, 32, 64].includes(o.functionAlignment)) {
    return `FUNCTION_ALIGNMENT must be 16, 32 or 64 (got ${String(o.functionAlignment)})`;
  }
  if (o.fineibt && !o.cfiClang) return 'FINEIBT depends on CFI_CLANG';
  if (o.cfiMode === 'kcfi' && !o.cfiClang)
    return "cfiMode 'kcfi' needs CFI_CLANG: without it there is no kCFI preamble";
  if (o.cfiMode === 'fineibt' && !o.fineibt) return "cfiMode 'fineibt' needs FINEIBT built in";
  if (o.cfiMode === 'off' && o.cfiClang) {
    // cfi=off only disables the checks at call sites; the padding keeps the kCFI mov.
    return "cfiMode 'off' with CFI_CLANG is modelled as 'kcfi': cfi=off only disables the call-site checks, the padding bytes are the same";
  }
  if (o.thunksActive && !o.callThunks)
    return 'thunksActive needs CALL_THUNKS built in (retbleed=stuff has no thunks to install otherwise)';
  if (o.thunksActive && o.cfiMode === 'fineibt') {
    return 'not modelled: call-depth thunks together with FineIBT mode (the spec gives no byte map for it)';
  }
  const kase = x86Case(o);
  if (kase === 'C' && o.functionAlignment === 16) return SELECT_32B;
  if (kase === 'C' && o.functionAlignment === 64) {
    return `not modelled: case C with FUNCTION_ALIGNMENT 64 (v4 gives offsets for 32 only; ${SELECT_32B})`;
  }
  if (kase === 'B' && o.functionAlignment !== 16) {
    return `not modelled: case B (CFI_CLANG without CALL_THUNKS or FINEIBT) with FUNCTION_ALIGNMENT ${o.functionAlignment}; v4 gives offsets for 16 only (CALL_PADDING selects FUNCTION_ALIGNMENT_16B, PB 11)`;
  }
  if (kase !== 'C' && o.caseCReading !== 'kconfig') {
    return "caseCReading only matters in case C ((CFI_CLANG && CALL_THUNKS) || FINEIBT); leave it 'kconfig'";
  }
  if (o.cfiMode !== 'fineibt' && o.fineibtEncoding !== 'feb2025') {
    return "fineibtEncoding only matters with cfiMode 'fineibt'; leave it 'feb2025'";
  }
  if (o.fineibtBhi && o.cfiMode !== 'fineibt') {
    return "fineibtBhi needs cfiMode 'fineibt' (cfi=fineibt,bhi); a FINEIBT_BHI build booted otherwise is not modelled";
  }
  if (o.fineibtBhi && o.fineibtEncoding !== 'later') {
    return "fineibtBhi needs fineibtEncoding 'later': FINEIBT_BHI rewrites the tail of that preamble only";
  }
  return null;
}

interface Layout {
  readonly name: string;
  readonly description: string;
  readonly pb: number; // FUNCTION_PADDING_BYTES given to the compiler
  readonly paddingBytes: number;
  /** KFUNC_MD_INSN_OFFSET */
  readonly insnOffset: number;
  readonly placed: readonly Occupant[];
}

function thunkSuffix(o: X86Options): { name: string; text: string } {
  if (!o.callThunks) return { name: '', text: '' };
  return o.thunksActive
    ? { name: '-thunks', text: ', call-depth thunk at [-9,0)' }
    : { name: '-thunks-idle', text: ', call thunks built but not active (NOPs)' };
}

function thunk(o: X86Options, f: ShapeFacts): Occupant[] {
  return o.thunksActive && f.directCallDest ? [occupant('thunk', -THUNK_SIZE, 0)] : [];
}

function shapeA(o: X86Options, f: ShapeFacts): Layout {
  const a = o.functionAlignment;
  const t = thunkSuffix(o);
  const head = a === 16 ? 'case A: no CFI, 16B alignment' : `case A': no CFI, ${a}B alignment selected elsewhere`;
  return {
    name: `x86-A${a}${t.name}`,
    description: `${head}, md at the head of ${a} NOP bytes${t.text}`,
    pb: a,
    paddingBytes: a,
    insnOffset: a,
    placed: [occupant('md', -a, -a + INSN_SIZE), ...thunk(o, f)],
  };
}

function shapeB(f: ShapeFacts): Layout {
  return {
    name: 'x86-B-kcfi',
    description: 'case B: kCFI without call thunks or FineIBT, PB 11, md at the tail',
    pb: 11,
    paddingBytes: 16,
    insnOffset: INSN_SIZE,
    // without a preamble the 16 bytes are 5 leading NOPs and the 11 of PB (real-layouts.md rule 10)
    placed: [...(f.cfi ? [occupant('kcfi', -16, -16 + KCFI_SIZE)] : []), occupant('md', -INSN_SIZE, 0)],
  };
}

function shapeC(o: X86Options, f: ShapeFacts): Layout {
  // INSN_OFFSET = PB - 8 in both readings; only the PB the macros assume differs (§4.3).
  const assumedPb = o.caseCReading === 'kconfig' ? 27 : 32;
  const insnOffset = assumedPb - 8;
  const fine = o.cfiMode === 'fineibt';
  const mode = !fine
    ? 'kcfi'
    : o.fineibtBhi
      ? 'fineibt-bhi'
      : o.fineibtEncoding === 'feb2025'
        ? 'fineibt'
        : `fineibt-${o.fineibtEncoding}`;
  const built = !fine && o.fineibt ? '-fineibt-built' : '';
  const t = thunkSuffix(o);
  const reading = o.caseCReading === 'kconfig' ? 'Kconfig reading, PB 27' : "author's intent, PB taken as 32";
  const modeText = fine
    ? `FineIBT (${o.fineibtEncoding}${o.fineibtBhi ? ', BHI tail per arity at [-7,0)' : ''}) at [-16,0), old kCFI mov kept`
    : `kCFI mode${o.fineibt ? ' (FineIBT built, booted kcfi)' : ''}`;
  return {
    name: `x86-C-${mode}-${o.caseCReading}${built}${t.name}`,
    description: `case C (${reading}), 32B: ${modeText}, md at [-${insnOffset},-${insnOffset - INSN_SIZE})${t.text}`,
    pb: 27,
    paddingBytes: 32,
    insnOffset,
    // a function without a preamble has 5 leading NOPs and the 27 of PB, and is not in .cfi_sites:
    // apply_fineibt leaves it alone (§4.4 X5)
    placed: [
      ...(f.cfi ? [occupant('kcfi', -32, -32 + KCFI_SIZE)] : []),
      occupant('md', -insnOffset, -insnOffset + INSN_SIZE),
      ...thunk(o, f),
      ...(fine && f.cfi ? fineibtOccupants(o, f.arity) : []),
    ],
  };
}

/** The FineIBT preamble at [-16,0); under FINEIBT_BHI with arguments its tail is the BHI sequence. */
function fineibtOccupants(o: X86Options, arity: ArityClass): Occupant[] {
  if (!o.fineibtBhi || arity === 0) return [occupant('fineibt', -FINEIBT_SIZE, 0)];
  const tail = -FINEIBT_SIZE + BHI_TAIL_OFFSET;
  return [occupant('fineibt', -FINEIBT_SIZE, tail), occupant('bhi', tail, 0)];
}

function layoutOf(o: X86Options, f: ShapeFacts): Layout {
  const kase = x86Case(o);
  return kase === 'A' ? shapeA(o, f) : kase === 'B' ? shapeB(f) : shapeC(o, f);
}

const SHAPE_TEXT = {
  kcfi: 'a __cfi_ preamble (non-static or address-taken, in .cfi_sites)',
  'no-kcfi': 'no __cfi_ preamble (a static whose address is never taken): all NOPs, not in .cfi_sites',
  thunk: 'a direct-call destination (call-depth thunk)',
  'no-thunk': 'never called directly (no thunk)',
  arity0: 'no arguments (kCFI-arity %eax; FINEIBT_BHI leaves the preamble)',
  arity1: 'one argument (%ecx; the inline BHI sequence cs cmovne; jne ip+3 at [-7,0), written on through ip+3)',
  'arity2+': 'two to seven arguments (%edx..%edi; cs cs call __bhi_args[arity] at [-7,0))',
} as const;

/**
 * ip+0..ip+3 after boot: FINEIBT needs X86_KERNEL_IBT, whose -fcf-protection=branch starts every
 * indirectly callable function (those with a __cfi_ preamble) with ENDBR64; in FineIBT mode
 * apply_fineibt poisons it, so only the preamble at ip-16 is an IBT target (spec §4.1).
 */
function entryAtBoot(o: X86Options, f: ShapeFacts): EntryAtBoot | null {
  if (!o.fineibt || !f.cfi) return null;
  if (o.cfiMode !== 'fineibt') return Object.freeze({ what: 'endbr64', bytes: X86_ENDBR64 });
  // the arity-1 sequence ends with the nopl itself, so FINEIBT_BHI writes these bytes a second time
  const what =
    o.fineibtBhi && f.arity === 1 ? 'poisoned endbr, rewritten by the BHI arity-1 sequence' : 'poisoned endbr';
  return Object.freeze({ what: `${what} (nopl -42(%rax))`, bytes: X86_POISONED_ENDBR });
}

/** Every combination of the facts that matter in o, the ordinary function's first. */
function shapesOf(o: X86Options, paddingBytes: number): FunctionShape[] {
  const matters = factsThatMatter(o);
  const shapes: FunctionShape[] = [];
  for (const cfi of matters.cfi ? [true, false] : [false])
    for (const directCallDest of matters.thunk ? [true, false] : [true])
      for (const arity of matters.arity && cfi ? ([2, 0, 1] as const) : ([2] as const)) {
        const facts: ShapeFacts = Object.freeze({ cfi, directCallDest, arity });
        const occupants = Object.freeze(fillWithNops(paddingBytes, layoutOf(o, facts).placed));
        const name = shapeName(facts, matters);
        if (name === 'plain') {
          shapes.push(plainShape(occupants));
          continue;
        }
        const description = name
          .split('+')
          .map((t) => SHAPE_TEXT[t as keyof typeof SHAPE_TEXT])
          .join('; ');
        shapes.push(
          Object.freeze({
            name,
            description,
            facts,
            occupants,
            overlaps: Object.freeze(describeOverlaps(occupants)),
            entryAtBoot: entryAtBoot(o, facts),
          }),
        );
      }
  return shapes;
}

/** The configuration for options that rejectX86 accepted. */
export function buildX86(o: X86Options): Configuration {
  const s = layoutOf(o, ORDINARY_FUNCTION);
  const shapes = Object.freeze(shapesOf(o, s.paddingBytes));
  const ordinary = shapes[0];
  if (!ordinary) throw new Error('no shape');
  return Object.freeze({
    name: s.name,
    arch: 'x86',
    options: Object.freeze({ ...o }),
    description: s.description,
    patchableEntry: `${s.pb},${s.pb}`,
    paddingBytes: s.paddingBytes,
    alignment: o.functionAlignment,
    insnOffset: s.insnOffset,
    // KFUNC_MD_DATA_OFFSET = KFUNC_MD_INSN_OFFSET - 1: the index follows the B8 opcode
    dataOffset: s.insnOffset - 1,
    insnSize: INSN_SIZE,
    occupants: ordinary.occupants,
    overlaps: ordinary.overlaps,
    shapes,
  });
}
