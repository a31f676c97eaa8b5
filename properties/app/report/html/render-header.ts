/** The head of a counterexample section: what failed, where, and how to run it again. */
import { CHECKS } from '../../../engine/core/checks.ts';
import { findingById } from '../../../engine/core/findings.ts';
import { html } from './escape.ts';
import type { Html, HtmlPart } from './escape.ts';
import type { Prepared } from './prepare.ts';

function checkSays(check: string): string {
  return CHECKS.find((c) => c.name === check)?.says ?? check;
}

export function replayCommand(file: string): string {
  // quoted for a POSIX shell whenever the path needs it
  return /^[\w./@%+,:=-]+$/.test(file) ? `kfmd replay ${file}` : `kfmd replay '${file.replace(/'/g, `'\\''`)}'`;
}

function row(name: string, value: HtmlPart): Html {
  return html`<tr>
    <th scope="row">${name}</th>
    <td>${value}</td>
  </tr>`;
}

export function headerView(p: Prepared): Html {
  const s = p.saved;
  const finding = s.finding === null ? undefined : findingById(s.finding);
  const where =
    p.kind === 'sequential' ? `sequential suite ${p.saved.scenario.suite}` : `concurrent, ${p.saved.strategy} schedule`;
  const title = s.finding ?? 'unclassified violation';
  return html`<header class="ce-head">
    <h2><span class="badge bad">${title}</span> ${s.scenario.config} / ${where}</h2>
    ${finding ? html`<p class="finding-title">${finding.title}</p>` : ''}
    <table class="facts">
      ${row('finding', s.finding ?? 'none (a violation no known defect explains)')}
      ${row('check', html`<code>${s.check}</code> — ${checkSays(s.check)}`)}
      ${row('message', html`<span class="message">${s.message}</span>`)} ${row('implementation', s.impl)}
      ${row('configuration', s.scenario.config)}
      ${row('seed', html`${s.seed}${s.path ? html`, path <code>${s.path}</code>` : ''}`)}
      ${row('replay', html`<code class="cmd">${replayCommand(s.file)}</code>`)}
    </table>
    ${p.notes.map((n) => html`<p class="note">note: ${n}</p>`)}
  </header>`;
}
