/** `kfmd configs`: the supported kernel configurations and their padding byte maps. */
import { Option } from 'commander';
import type { Command } from 'commander';
import pc from 'picocolors';
import { allConfigurations, formatOccupant } from '../../../../model/config/index.ts';
import type { Configuration, OccupantKind } from '../../../../model/config/index.ts';
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
    occupants: c.occupants.map((o) => ({ kind: o.kind, start: o.start, end: o.end })),
    overlaps: c.overlaps,
  };
}

function tableRow(c: Configuration): string[] {
  const overlapping = c.overlaps.length > 0;
  const strip = c.occupants.map((o) => KIND_COLOUR[o.kind](formatOccupant(o))).join(' ');
  return [
    overlapping ? pc.yellow(`${c.name} ${OVERLAP_MARK}`) : c.name,
    c.arch,
    c.patchableEntry,
    String(c.paddingBytes),
    String(c.alignment),
    `${c.insnOffset}/${c.dataOffset}`,
    strip,
  ];
}

function renderText(list: readonly Configuration[]): string {
  const header = ['name', 'arch', 'entry', 'pad', 'align', 'insn/data', 'byte map (offsets from entry)'].map((h) =>
    pc.bold(h),
  );
  let text = renderTable(header, list.map(tableRow));
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
