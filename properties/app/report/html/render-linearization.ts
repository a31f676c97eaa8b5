/**
 * A linearizability counterexample: the longest order of the history's operations the checker
 * could justify against the model (LinResult.longest), the ones it could not place after it, and
 * the whole history with call and return times.
 */
import { describeOperation } from '../../../engine/core/operations.ts';
import { describeResult } from '../../../engine/concurrent/history.ts';
import type { HistoryOp } from '../../../engine/concurrent/history.ts';
import type { ConcRun } from '../../../engine/concurrent/simulate.ts';
import { html } from './escape.ts';
import type { Html } from './escape.ts';

/** Times are half-steps (history.ts): the k-th step is at 2k+1. */
function when(h: HistoryOp): string {
  return `[${h.call}, ${h.ret ?? '∞'}]`;
}

function opLine(h: HistoryOp): Html {
  return html`<code>cpu${h.cpu}</code> <code class="c">${describeOperation(h.op)}</code> →
    <b>${describeResult(h.result)}</b> <span class="dim">${when(h)}</span>`;
}

function pick(history: readonly HistoryOp[], ids: readonly number[]): HistoryOp[] {
  return ids.flatMap((i) => {
    const h = history[i];
    return h ? [h] : [];
  });
}

export function linearizationView(run: ConcRun): Html {
  const lin = run.lin;
  const history = html`<h4>The history</h4>
    <p class="dim">
      Call and return in half-steps: step k happens at 2k+1; an operation precedes another when it returns before the
      other is called.
    </p>
    <table class="history">
      <thead>
        <tr>
          <th>#</th>
          <th>cpu</th>
          <th>operation</th>
          <th>result</th>
          <th>call</th>
          <th>return</th>
        </tr>
      </thead>
      <tbody>
        ${run.history.map(
          (h) =>
            html`<tr>
              <td class="num">${h.id}</td>
              <td>cpu${h.cpu}</td>
              <td><code class="c">${describeOperation(h.op)}</code></td>
              <td>${describeResult(h.result)}</td>
              <td class="num">${h.call}</td>
              <td class="num">${h.ret ?? '∞'}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
  if (lin?.verdict !== 'violation')
    return html`<section class="lin">
      <h3>Linearizability</h3>
      <p class="dim">The checker's result is not part of this run.</p>
      ${history}
    </section>`;
  const longest = pick(run.history, lin.longest);
  const stuck = pick(run.history, lin.stuck);
  return html`<section class="lin">
    <h3>Linearizability: the longest partial linearization</h3>
    <p>
      Of the ${lin.partition.length} operation(s) checked together, the checker could order at most ${longest.length} so
      that each one's result is what the model gives in that order (${lin.steps} model steps searched):
    </p>
    <ol class="linearization">
      ${longest.map((h) => html`<li>${opLine(h)}</li>`)}
    </ol>
    ${longest.length === 0 ? html`<p class="dim">not even the first operation could be placed</p>` : ''}
    <p>No operation below could be placed after it:</p>
    <ul class="stuck">
      ${stuck.map((h) => html`<li>${opLine(h)}</li>`)}
    </ul>
    ${history}
  </section>`;
}
