/** `kfmd report FILE... [--html OUT]`: saved counterexamples as their text reports, or as one HTML page. */
import type { Command } from 'commander';
import { ConfigError, configurationByName } from '../../../../model/config/index.ts';
import { CounterexampleFileError, loadCounterexample } from '../../../engine/core/counterexample.ts';
import { filesVerdicts, renderHtmlReport } from '../../report/html/index.ts';
import type { LoadedFile } from '../../report/html/index.ts';
import { UsageError } from '../errors.ts';
import type { CliIo } from '../io.ts';
import { checkWritableFile, writeFileAtomic } from '../safe-write.ts';

interface ReportOptions {
  readonly html?: string;
}

function load(file: string): LoadedFile {
  try {
    const saved = loadCounterexample(file);
    configurationByName(saved.scenario.config);
    return { path: file, saved };
  } catch (err) {
    if (err instanceof CounterexampleFileError) throw new UsageError(err.message);
    if (err instanceof ConfigError) throw new UsageError(`${file}: ${err.message}`);
    throw err;
  }
}

export function registerReport(program: Command, io: CliIo): void {
  program
    .command('report')
    .description(
      'show saved counterexamples: their text reports, or with --html one self-contained page (each run again, with disassembled windows and, for a concurrent one, a timeline to step through)',
    )
    .argument('<files...>', 'counterexamples saved by kfmd check')
    .option('--html <out>', 'write an HTML page to this file instead of printing the text reports')
    .action((files: string[], opts: ReportOptions) => {
      // the output is checked before any file is read or run
      if (opts.html !== undefined) checkWritableFile(opts.html, '--html');
      const loaded = files.map(load);
      if (opts.html === undefined) {
        io.out(loaded.map((f) => `${f.saved.report}\n`).join('\n'));
        return;
      }
      const title =
        loaded.length === 1 ? `kfmd counterexample ${loaded[0]?.path ?? ''}` : `kfmd: ${loaded.length} counterexamples`;
      const text = renderHtmlReport({
        title,
        lines: [`from ${loaded.map((f) => f.path).join(', ')}; each run again as kfmd replay runs it`],
        files: loaded,
        ...(loaded.length > 1 ? { table: filesVerdicts(loaded) } : {}),
      });
      writeFileAtomic(opts.html, text);
      io.out(`wrote ${opts.html}\n`);
    });
}
