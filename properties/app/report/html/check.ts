/** `kfmd check --html FILE`: the run's verdict table and every counterexample it saved, as one page. */
import type { Implementation } from '../../../../impl/contract/index.ts';
import { loadCounterexample } from '../../../engine/core/counterexample.ts';
import { renderHtmlReport } from './render-page.ts';
import type { VerdictTable } from './verdict-table.ts';

export interface CheckHtmlInput {
  readonly title: string;
  /** lines under the title (the run's settings) */
  readonly lines?: readonly string[];
  /** sequentialVerdicts, concurrentVerdicts or matrixVerdicts of the run */
  readonly table: VerdictTable;
  /** the counterexample files the run saved, in the order they should appear */
  readonly files: readonly string[];
  /** the implementation checked (and the reference), when not built in */
  readonly implementations?: readonly Implementation[];
}

/** The page as text; a file that cannot be loaded throws CounterexampleFileError. */
export function renderCheckHtml(input: CheckHtmlInput): string {
  const files = [...new Set(input.files)].map((path) => ({ path, saved: loadCounterexample(path) }));
  return renderHtmlReport({
    title: input.title,
    ...(input.lines ? { lines: input.lines } : {}),
    table: input.table,
    files,
    ...(input.implementations ? { implementations: input.implementations } : {}),
  });
}
