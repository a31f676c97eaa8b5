/**
 * arm64 configurations (spec §5). The Makefile adds one metadata word (two with 8B
 * alignment) in front of whatever ftrace asks for; CALL_OPS keeps its 8-byte literal
 * right before the entry, so the md word moves to ip-12.
 */
import type { Arm64Options } from './options.ts';
import type { Configuration } from './configuration.ts';
import { describeOverlaps, fillWithNops, occupant } from './occupant.ts';
import type { Occupant } from './occupant.ts';
import { plainShape } from './shape.ts';

/** AARCH64_INSN_SIZE, also KFUNC_MD_INSN_SIZE */
const WORD = 4;

/** Why these options are not a v4 configuration, or null when they are. */
export function rejectArm64(o: Arm64Options): string | null {
  // CONFIG_FUNCTION_METADATA depends on !CONFIG_CFI_CLANG
  if (o.cfiClang) return 'FUNCTION_METADATA depends on !CFI_CLANG';
  if (o.callOps && !o.withArgs) {
    return 'DYNAMIC_FTRACE_WITH_CALL_OPS needs DYNAMIC_FTRACE_WITH_ARGS (arm64 selects HAVE_DYNAMIC_FTRACE_WITH_CALL_OPS only then)';
  }
  if (o.callOps && !o.alignment8b) return 'DYNAMIC_FTRACE_WITH_CALL_OPS selects FUNCTION_ALIGNMENT_8B';
  return null;
}

interface Shape {
  readonly tag: string;
  readonly text: string;
  readonly n: number;
  readonly m: number;
  /** KFUNC_MD_INSN_OFFSET (== KFUNC_MD_DATA_OFFSET on arm64) */
  readonly insnOffset: number;
  readonly placed: readonly Occupant[];
}

function shape(o: Arm64Options): Shape {
  // Makefile: pad = 2 with 8B alignment else 1; CALL_OPS adds 2 more; ftrace wants 2 at entry.
  const pad = o.alignment8b ? 2 : 1;
  if (o.callOps) {
    return {
      tag: 'callops',
      text: 'CALL_OPS, 8B: spare NOP, md word, 8-byte ops literal before the entry',
      n: pad + 4,
      m: pad + 2,
      insnOffset: 12,
      placed: [occupant('md', -12, -8), occupant('callops', -8, 0)],
    };
  }
  const md = [occupant('md', -WORD, 0)];
  if (o.withArgs) {
    return {
      tag: o.alignment8b ? 'args8' : 'args',
      text: o.alignment8b
        ? 'WITH_ARGS, 8B alignment selected elsewhere: spare NOP, md word'
        : 'WITH_ARGS, 4B: md word before the two ftrace NOPs',
      n: pad + 2,
      m: pad,
      insnOffset: WORD,
      placed: md,
    };
  }
  return {
    tag: o.alignment8b ? 'md8' : 'md',
    text: o.alignment8b ? 'metadata only, 8B alignment: spare NOP, md word' : 'metadata only, 4B: one md word',
    n: pad,
    m: pad,
    insnOffset: WORD,
    placed: md,
  };
}

/** The configuration for options that rejectArm64 accepted. */
export function buildArm64(o: Arm64Options): Configuration {
  const s = shape(o);
  const paddingBytes = s.m * WORD;
  const occupants = Object.freeze(fillWithNops(paddingBytes, s.placed));
  const entry = `${s.n},${s.m}`;
  return Object.freeze({
    name: `arm64-${s.tag}-${entry}${o.bti ? '-bti' : ''}`,
    arch: 'arm64',
    options: Object.freeze({ ...o }),
    description: `${s.text}${o.bti ? '; BTI: bti c at the entry' : ''}`,
    patchableEntry: entry,
    paddingBytes,
    alignment: o.alignment8b ? 8 : 4,
    insnOffset: s.insnOffset,
    dataOffset: s.insnOffset,
    insnSize: WORD,
    occupants,
    overlaps: Object.freeze(describeOverlaps(occupants)),
    // no fact changes an arm64 function's padding here (metadata needs !CFI_CLANG; no thunks)
    shapes: Object.freeze([plainShape(occupants)]),
  });
}
