import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { blindReaders } from '../../../../impl/testing/blind-readers.ts';
import { v4 } from '../../../../impl/v4/store.ts';
import { configurationByName } from '../../../../model/config/index.ts';
import { loadCounterexample } from '../../../engine/core/counterexample.ts';
import type { CounterexampleFile } from '../../../engine/core/counterexample.ts';
import { must } from '../../../engine/core/must.ts';
import { simulate } from '../../../engine/concurrent/simulate.ts';
import { runCampaign } from '../../../engine/sequential/campaign.ts';
import { suiteByName } from '../../../engine/sequential/suites.ts';
import { saveSequentialResult } from '../save.ts';
import { arrayStatesOf } from './array-states.ts';
import { escapeHtml, html, joinHtml } from './escape.ts';
import { allFixtures } from './fixtures/counterexamples.ts';
import { matrixVerdicts, renderCheckHtml, renderHtmlReport, sequentialVerdicts } from './index.ts';
import type { LoadedFile } from './index.ts';
import { windowHistory } from './windows-at.ts';

const load = (path: string): LoadedFile => ({ path, saved: loadCounterexample(path) });

/** Every id="…" on the page, and every in-page link target. */
function anchors(page: string): { ids: string[]; links: string[] } {
  return {
    ids: [...page.matchAll(/\sid="([^"]*)"/g)].map((m) => m[1] ?? ''),
    links: [...page.matchAll(/\shref="#([^"]*)"/g)].map((m) => m[1] ?? ''),
  };
}

function expectLinksResolve(page: string): void {
  const { ids, links } = anchors(page);
  expect(new Set(ids).size, 'ids are unique').toBe(ids.length);
  for (const l of links) expect(ids, `link #${l}`).toContain(l);
}

let dir: string;
let f: ReturnType<typeof allFixtures>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kfmd-html-'));
  f = allFixtures(dir);
});

describe('escaping', () => {
  it('escapes the five characters, and the html tag escapes every value that is not already Html', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
    const evil = '<script>alert(1)</script>';
    expect(html`<p>${evil}</p>`.text).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>');
    expect(html`<p>${html`<b>${evil}</b>`}</p>`.text).toBe('<p><b>&lt;script&gt;alert(1)&lt;/script&gt;</b></p>');
    expect(html`${[evil, 1, null, false, undefined, ['&']]}`.text).toBe('&lt;script&gt;alert(1)&lt;/script&gt;1&amp;');
    expect(joinHtml(['<', '>'], ', ').text).toBe('&lt;, &gt;');
  });

  it('no string from a counterexample file reaches the page as markup', () => {
    const saved = loadCounterexample(f.d3);
    const evil = `"><img src=x onerror=alert(1)><script>alert(2)</script>`;
    const forged = {
      ...saved,
      impl: `impl${evil}`,
      finding: `D3${evil}`,
      message: `msg${evil}`,
      report: `report${evil}`,
      file: `/tmp/x${evil}.json`,
      path: `1:2${evil}`,
    } as CounterexampleFile;
    const path = join(dir, 'evil.json');
    writeFileSync(path, JSON.stringify(forged));
    const page = renderHtmlReport({ title: `title${evil}`, files: [load(path)] });
    expect(page).not.toContain('<img');
    expect(page.match(/<script>/g)).toHaveLength(1);
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
    // an implementation that is not built in: shown as saved, and said so
    expect(page).toMatch(/is not a built-in one: shown as saved, not run again/);
  });
});

describe('the page', () => {
  it('is one self-contained document: inline style and script, nothing fetched', () => {
    const page = renderHtmlReport({ title: 't', files: [load(f.d3), load(f.concurrent)] });
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).toContain('<style>');
    expect(page).not.toMatch(/<link\b|\bsrc="|@import|url\(|https?:\/\//);
    expect(page).toMatch(/@media print/);
  });

  it('a sequential counterexample: header, calls as C, each call with model and windows (hex and disassembly)', () => {
    const page = renderHtmlReport({ title: 't', files: [load(f.d3)] });
    expect(page).toContain('id="ce-1"');
    for (const s of ['D3', 'I2', 'kfunc_md_used is 1 but 0 slot(s) have users &gt; 0', 'x86-A16', 'seed'])
      expect(page).toContain(s);
    expect(page).toContain(`kfmd replay ${f.d3}`);
    expect(page).toContain('md_f1 = kfunc_md_get(f1);');
    expect(page).toContain('kfunc_md_put(md_f1);');
    // the get installs mov $0,%eax over the NOPs; the foreign write puts int3 fill over it
    expect(page).toContain('movl $0x0,%eax');
    expect(page).toContain('<span class="insn">int3</span>');
    expect(page).toContain('md #0 (installed-first)');
    expect(page.match(/<tr id="ce-1-call-\d+"/g)).toHaveLength(5);
    expect(page).toMatch(/<tr id="ce-1-call-5" class="violation">/);
  });

  it('an arm64 one disassembles words: nop, and the index word as udf', () => {
    const page = renderHtmlReport({ title: 't', files: [load(f.d8b)] });
    expect(page).toContain('<span class="insn">nop</span>');
    expect(page).toContain('<span class="insn">.word 4 <i>udf #4</i></span>');
  });

  it('a concurrent one: the timeline has a row and a state panel per step, and a scrubber', () => {
    const saved = loadCounterexample(f.concurrent);
    if (saved.kind !== 'concurrent') throw new Error('a concurrent file');
    const run = simulate(saved.scenario, v4, { record: true });
    const page = renderHtmlReport({ title: 't', files: [load(f.concurrent)] });
    expect(page).toMatch(new RegExp(`data-scrubber="ce-1"\\s+data-steps="${run.steps}"`));
    expect(page.match(/<tr data-step="/g)).toHaveLength(run.steps);
    expect(page.match(/class="step-panel[^"]*" data-step="/g)).toHaveLength(run.steps);
    expect(page).toContain('data-action="next"');
    expect(page).toContain('type="range"');
    // the programs as C, one per CPU
    for (const p of saved.scenario.programs) for (const op of p) expect(page).toContain(escapeHtml(op.fn));
    expect(page).toContain('kfunc_mds = ');
    expect(page).not.toMatch(/class="note"/);
    expectLinksResolve(page);
  });

  it('a linearizability one lists the longest partial linearization and the operations left over', () => {
    const page = renderHtmlReport({ title: 't', files: [load(f.lin)], implementations: [blindReaders] });
    expect(page).toContain('the longest partial linearization');
    expect(page).toMatch(/<ol class="linearization">\s*<li>.*kfunc_md_get/s);
    expect(page).toMatch(/<ul class="stuck">\s*<li>.*kfunc_md_find/s);
  });

  it('every counterexample gets a section, and every link on the page resolves to an id on it', () => {
    const files = [f.d3, f.d8b, f.concurrent, f.lin].map(load);
    const page = renderHtmlReport({ title: 't', files, implementations: [blindReaders] });
    files.forEach((_, i) => expect(page).toContain(`<section class="ce" id="ce-${i + 1}"`));
    expect(anchors(page).links).toEqual(expect.arrayContaining(['ce-1', 'ce-2', 'ce-3', 'ce-4']));
    expectLinksResolve(page);
  });
});

describe('the verdict table', () => {
  it('kfmd check: each violated cell links to the section of the file it saved', () => {
    const c = runCampaign(
      v4,
      [configurationByName('x86-A16')],
      [suiteByName('contract'), suiteByName('foreign-bytes')],
      {
        seed: 42,
        numRuns: 50,
      },
    );
    const files = new Map<string, string>();
    for (const r of c.results) {
      const file = saveSequentialResult(join(dir, 'campaign'), 'v4', r);
      if (file) files.set(`${r.config}/${r.suite}`, file);
    }
    expect(files.size).toBeGreaterThan(0);
    const page = renderCheckHtml({ title: 'check', table: sequentialVerdicts(c, files), files: [...files.values()] });
    expect(page).toContain('<td class="holds">holds</td>');
    expect(page).toMatch(/<td class="violated">\s*<a class="finding" href="#ce-1">D3<\/a>/);
    expectLinksResolve(page);
  });

  it('--impl all: findings are matched to the files by design, configuration and label; one without a file is not a link', () => {
    const page = renderCheckHtml({
      title: 'all',
      table: matrixVerdicts({
        title: 'matrix',
        legend: [],
        designs: ['v4', 'locked'],
        configs: ['x86-A16', 'arm64-md-1,1'],
        figures: [],
        cells: [
          {
            impl: 'v4',
            config: 'x86-A16',
            sequential: ['D3'],
            concurrent: ['D7-warn', 'D1'],
            notApplicable: [],
            allNotApplicable: false,
            errors: [],
          },
          {
            impl: 'v4',
            config: 'arm64-md-1,1',
            sequential: ['D8b'],
            concurrent: [],
            notApplicable: [],
            allNotApplicable: false,
            errors: [],
          },
          {
            impl: 'locked',
            config: 'x86-A16',
            sequential: [],
            concurrent: [],
            notApplicable: [],
            allNotApplicable: false,
            errors: [],
          },
          {
            impl: 'locked',
            config: 'arm64-md-1,1',
            sequential: [],
            concurrent: [],
            notApplicable: ['all of it'],
            allNotApplicable: true,
            errors: [],
          },
        ],
      }),
      files: [f.d3, f.concurrent, f.d8b],
    });
    expect(page).toMatch(/href="#ce-1">D3</);
    expect(page).toMatch(/href="#ce-2">D7-warn</);
    expect(page).toMatch(/href="#ce-3">D8b</);
    expect(page).toMatch(/<span class="finding" title="no counterexample of it on this page">D1<\/span>/);
    expect(page).toContain('<td class="na" title="all of it">n/a</td>');
    expectLinksResolve(page);
  });
});

describe('the states a concurrent page shows', () => {
  it('windows after every step fold the recorded changes onto the boot windows', () => {
    const saved = loadCounterexample(f.concurrent);
    if (saved.kind !== 'concurrent') throw new Error('a concurrent file');
    const run = simulate(saved.scenario, v4, { record: true });
    const w = windowHistory(run);
    expect(w.after).toHaveLength(run.steps);
    run.timeline.forEach((e, k) => {
      for (const x of e.windows ?? []) expect(w.after[k]?.get(x.fn)).toBe(x.bytes);
    });
    expect(must(w.after[run.steps - 1], 'the last step').size).toBe(run.bootWindows.length);
  });

  it('the array state, read at every scheduling point of a second run on the same path', () => {
    const saved = loadCounterexample(f.concurrent);
    if (saved.kind !== 'concurrent') throw new Error('a concurrent file');
    const run = simulate(saved.scenario, v4, { record: true });
    const a = must(arrayStatesOf(run, v4), 'array states');
    expect(a.after).toHaveLength(run.steps);
    expect(a.boot).toMatchObject({ base: 0 });
    // the step that publishes the array (st64 kfunc_mds ← …) is the first after which it is there
    const publish = run.timeline.findIndex((e) => /^st64 kfunc_mds ← 0x[1-9a-f]/.test(e.text));
    expect(publish).toBeGreaterThanOrEqual(0);
    expect(a.after[publish - 1]).toMatchObject({ base: 0 });
    expect(a.after[publish]).not.toMatchObject({ base: 0 });
  });
});

describe('files on disk', () => {
  it('the fixture files are what kfmd check saves', () => {
    for (const p of [f.d3, f.d8b, f.concurrent, f.lin])
      expect((JSON.parse(readFileSync(p, 'utf8')) as { kfmd: string }).kfmd).toBe('counterexample');
  });
});
