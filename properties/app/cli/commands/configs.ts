/** `kfmd configs`: the supported kernel configurations and their padding byte maps. */
import { Option } from 'commander';
import type { Command } from 'commander';
import pc from 'picocolors';
import { allConfigurations, formatOccupant } from '../../../../model/config/index.ts';
import type { Configuration, FunctionShape, Occupant, OccupantKind } from '../../../../model/config/index.ts';
import type { CliIo } from '../io.ts';
import { renderTable } from '../table.ts';

const ARCHES = ['x86', 'arm64', 'all'] as const;
type ArchChoice = (typeof ARCHES)[number];

interface ConfigsOptions {
  readonly arch: ArchChoice;
  readonly json?: boolean;
}

const OVERLAP_MARK = '!';

const KIND_COLOUR: Record<OccupantKind, (s: string) => string> = {
  md: pc.green,
  kcfi: pc.magenta,
  fineibt: pc.magenta,
  bhi: pc.magenta,
  thunk: pc.cyan,
  callops: pc.blue,
  nop: pc.dim,
};

/** The JSON shape: one object per configuration, stable field order. */
export function configurationJson(c: Configuration): Record<string, unknown> {
  return {
    name: c.name,
    arch: c.arch,
    description: c.description,
    patchableEntry: c.patchableEntry,
    options: c.options,
    paddingBytes: c.paddingBytes,
    alignment: c.alignment,
    insnOffset: c.insnOffset,
    dataOffset: c.dataOffset,
    insnSize: c.insnSize,
    occupants: occupantsJson(c.occupants),
    overlaps: c.overlaps,
    // every function shape of the configuration (spec §4.4 X5), the ordinary function's first
    shapes: c.shapes.map((s) => ({
      name: s.name,
      description: s.description,
      facts: s.facts,
      occupants: occupantsJson(s.occupants),
      overlaps: s.overlaps,
      // ip+0..ip+3 where the configuration fixes them, else null
      entryAtBoot: s.entryAtBoot ? { what: s.entryAtBoot.what, bytes: [...s.entryAtBoot.bytes] } : null,
    })),
  };
}

function occupantsJson(list: readonly Occupant[]): { kind: OccupantKind; start: number; end: number }[] {
  return list.map((o) => ({ kind: o.kind, start: o.start, end: o.end }));
}

function colouredStrip(list: readonly Occupant[]): string {
  return list.map((o) => KIND_COLOUR[o.kind](formatOccupant(o))).join(' ');
}

/** ip+0..ip+3 where the configuration fixes them (ENDBR64 under IBT, poisoned in FineIBT mode). */
function entryNote(s: FunctionShape | undefined): string {
  return s?.entryAtBoot ? ` ${pc.cyan(`entry[0,4) ${s.entryAtBoot.what}`)}` : '';
}

/** The configuration's row (an ordinary function's byte map), then one row per other function shape. */
function tableRows(c: Configuration): string[][] {
  const overlapping = c.overlaps.length > 0;
  const head = [
    overlapping ? pc.yellow(`${c.name} ${OVERLAP_MARK}`) : c.name,
    c.arch,
    c.patchableEntry,
    String(c.paddingBytes),
    String(c.alignment),
    `${c.insnOffset}/${c.dataOffset}`,
    colouredStrip(c.occupants) + entryNote(c.shapes[0]),
  ];
  const others = c.shapes.slice(1).map((s: FunctionShape) => {
    const label = `  ${SHAPE_MARK} ${s.name}${s.overlaps.length > 0 ? ` ${OVERLAP_MARK}` : ''}`;
    return [pc.dim(label), '', '', '', '', '', colouredStrip(s.occupants) + entryNote(s)];
  });
  return [head, ...others];
}

const SHAPE_MARK = '└';

function renderText(list: readonly Configuration[]): string {
  const header = ['name', 'arch', 'entry', 'pad', 'align', 'insn/data', 'byte map (offsets from entry)'].map((h) =>
    pc.bold(h),
  );
  let text = renderTable(header, list.flatMap(tableRows));
  if (list.some((c) => c.shapes.length > 1)) {
    text += `\n${SHAPE_MARK} other function shapes (spec §4.4 X5); a configuration's own row is an ordinary function's (kcfi+thunk where they apply). kcfi: a __cfi_ preamble (non-static or address-taken, in .cfi_sites); no-kcfi: none (a static whose address is never taken: all NOPs, FineIBT leaves it alone); thunk: a direct-call destination (call-depth thunk); no-thunk: only called through pointers\n`;
  }
  if (list.some((c) => c.overlaps.length > 0)) {
    text += `\n${OVERLAP_MARK} occupants overlap (spec §4.3 case C discrepancy): ${list.find((c) => c.overlaps.length > 0)?.overlaps.join('; ')}\n`;
  }
  return text;
}

export function registerConfigs(program: Command, io: CliIo): void {
  const cmd = program
    .command('configs')
    .description('list the supported kernel configurations and the byte map of the padding before each function')
    .addOption(new Option('--arch <arch>', 'only this architecture').choices(ARCHES).default('all'))
    .option('--json', 'print a JSON array, one object per configuration');
  cmd.action(() => {
    const opts = cmd.opts<ConfigsOptions>();
    const list = allConfigurations().filter((c) => opts.arch === 'all' || c.arch === opts.arch);
    io.out(opts.json === true ? `${JSON.stringify(list.map(configurationJson), null, 2)}\n` : renderText(list));
  });
}
