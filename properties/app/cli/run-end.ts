/**
 * What every check mode (sequential, concurrent, hunt, --impl all) does with its outputs: saves
 * each counterexample as found without letting a failed save end the run, writes the --html page
 * after the printed report, and names the counterexamples that could not be saved in one line.
 */
import { renderCheckHtml } from '../report/html/index.ts';
import type { CheckHtmlInput } from '../report/html/index.ts';
import type { CliIo } from './io.ts';
import { writeFileAtomic } from './safe-write.ts';

/** Runs `save`; a failure is recorded under `key` (the report still prints it) and gives null. */
export function saveOrNote(unsaved: string[], key: string, save: () => string | null): string | null {
  try {
    return save();
  } catch (err) {
    unsaved.push(`${key}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    return null;
  }
}

/** --html FILE (already checked writable): the page, and a line saying where, unless --json. */
export function writeHtml(io: CliIo, path: string, json: boolean, input: CheckHtmlInput): void {
  writeFileAtomic(path, renderCheckHtml(input));
  if (!json) io.out(`HTML report: ${path}\n`);
}

/** The error line for counterexamples that could not be saved under `dir`; true when there were any. */
export function reportUnsaved(io: CliIo, dir: string, unsaved: readonly string[]): boolean {
  if (unsaved.length === 0) return false;
  io.err(
    `kfmd: error: ${unsaved.length} counterexample(s) could not be saved under ${dir} (${unsaved.join('; ')}); their reports are printed above\n`,
  );
  return true;
}
