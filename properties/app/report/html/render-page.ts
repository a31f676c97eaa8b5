/**
 * The HTML report: counterexample files, each run again as `kfmd replay` would, and optionally
 * a verdict table whose findings link to them, as one page.
 */
import { resolve } from 'node:path';
import type { Implementation } from '../../../../impl/contract/index.ts';
import { html } from './escape.ts';
import { page } from './page.ts';
import { prepare } from './prepare.ts';
import type { Prepared } from './prepare.ts';
import { concurrentView } from './render-concurrent.ts';
import { sequentialView } from './render-sequential.ts';
import { verdictTableView } from './render-table.ts';
import type { FindingLink } from './render-table.ts';
import type { LoadedFile, VerdictTable } from './verdict-table.ts';

export interface HtmlReportInput {
  readonly title: string;
  /** lines under the title (the run's settings) */
  readonly lines?: readonly string[];
  readonly files: readonly LoadedFile[];
  readonly table?: VerdictTable;
  /** implementations to run the files on, looked up by name before the built-in ones */
  readonly implementations?: readonly Implementation[];
}

/** The element id of the i-th counterexample section (0-based). */
export function sectionId(i: number): string {
  return `ce-${i + 1}`;
}

function linker(files: readonly LoadedFile[], prepared: readonly Prepared[]): FindingLink {
  const byPath = new Map<string, string>();
  files.forEach((f, i) => {
    const id = sectionId(i);
    // the path it was read from first, then the one it was saved as
    for (const p of [f.path, f.saved.file]) if (!byPath.has(resolve(p))) byPath.set(resolve(p), id);
  });
  return (cell, f) => {
    if (f.file !== null) return byPath.get(resolve(f.file)) ?? null;
    const hit = prepared.find(
      (p) => p.saved.impl === cell.impl && p.saved.scenario.config === cell.config && p.label === f.label,
    );
    return hit?.id ?? null;
  };
}

export function renderHtmlReport(input: HtmlReportInput): string {
  const impls = input.implementations ?? [];
  const prepared = input.files.map((f, i) => prepare(f.saved, sectionId(i), impls));
  const toc = prepared.map(
    (p) =>
      html`<li>
        <a href="#${p.id}">${p.label}</a> — ${p.saved.scenario.config} /
        ${p.kind === 'sequential' ? p.saved.scenario.suite : `concurrent ${p.saved.strategy}`} (${p.saved.impl})
      </li>`,
  );
  const body = html`<h1>${input.title}</h1>
    ${(input.lines ?? []).map((l) => html`<p class="dim">${l}</p>`)}
    ${input.table ? verdictTableView(input.table, linker(input.files, prepared)) : ''}
    ${
      prepared.length
        ? html`<h2>Counterexamples</h2>
            <ol class="toc">
              ${toc}
            </ol>`
        : html`<p>No counterexample.</p>`
    }
    ${prepared.map((p) => (p.kind === 'sequential' ? sequentialView(p) : concurrentView(p)))}`;
  return page(input.title, body);
}
