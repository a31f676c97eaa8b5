import { mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { D3_SCENARIO, D8B_SCENARIO, saveSequential } from '../report/html/fixtures/counterexamples.ts';
import { UsageError } from './errors.ts';
import { run } from './main.ts';
import { checkWritableFile, writeFileAtomic } from './safe-write.ts';

interface Result {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function kfmd(...args: string[]): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const status = await run(args, { out: (s) => void (stdout += s), err: (s) => void (stderr += s) });
  return { status, stdout, stderr };
}

/** exit 2, one stderr line, nothing on stdout */
function expectUsage(r: Result, pattern: RegExp): void {
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^kfmd: error: /);
  expect(lines[0]).toMatch(pattern);
}

let dir: string;
let d3: string;
let d8b: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kfmd-report-'));
  d3 = saveSequential(dir, D3_SCENARIO);
  d8b = saveSequential(dir, D8B_SCENARIO);
});

const savedReport = (file: string): string => (JSON.parse(readFileSync(file, 'utf8')) as { report: string }).report;

describe('kfmd report', () => {
  it('without --html prints the saved text reports', async () => {
    const r = await kfmd('report', d3, d8b);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${savedReport(d3)}\n\n${savedReport(d8b)}\n`);
  });

  it('--html writes one page, replacing a file already there, and leaves no temporary file', async () => {
    const out = join(dir, 'page', 'report.html');
    mkdirSync(join(dir, 'page'));
    writeFileSync(out, 'old');
    const r = await kfmd('report', d3, d8b, '--html', out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`wrote ${out}\n`);
    const page = readFileSync(out, 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain('<section class="ce" id="ce-1"');
    expect(page).toContain('<section class="ce" id="ce-2"');
    expect(page).toContain('href="#ce-2"');
    expect(readdirSync(join(dir, 'page'))).toEqual(['report.html']);
  });

  it('a missing or corrupt counterexample: one line, exit 2', async () => {
    expectUsage(await kfmd('report', join(dir, 'nope.json')), /cannot read .*nope\.json: ENOENT/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"kfmd":');
    expectUsage(await kfmd('report', bad), /bad\.json is not valid JSON/);
    const other = join(dir, 'other.json');
    writeFileSync(other, '{"kfmd":"something else"}');
    expectUsage(await kfmd('report', other), /is not a kfmd counterexample/);
    const cfg = join(dir, 'cfg.json');
    const saved = JSON.parse(readFileSync(d3, 'utf8')) as { scenario: Record<string, unknown> };
    writeFileSync(cfg, JSON.stringify({ ...saved, scenario: { ...saved.scenario, config: 'x86-nothing' } }));
    expectUsage(await kfmd('report', cfg), /cfg\.json.*(x86-nothing|no known configuration)/);
  });

  it('--html OUT is checked before any counterexample is read', async () => {
    const missing = join(dir, 'missing.json');
    expectUsage(
      await kfmd('report', missing, '--html', join(dir, 'no-such-dir', 'x.html')),
      /--html .*: directory .*no-such-dir does not exist/,
    );
    expectUsage(await kfmd('report', missing, '--html', dir), /--html .* is a directory/);
    const link = join(dir, 'link.html');
    symlinkSync(join(dir, 'target.html'), link);
    expectUsage(await kfmd('report', missing, '--html', link), /--html .*link\.html is a symbolic link/);
    expectUsage(await kfmd('report', missing, '--html', join(d3, 'x.html')), /is not a directory/);
  });
});

describe('the safe write', () => {
  it('checkWritableFile throws a one-line UsageError naming the flag', () => {
    expect(() => checkWritableFile('', '--html')).toThrow(new UsageError('--html needs a file name'));
    expect(() => checkWritableFile(dir, '--out')).toThrow(/^--out .* is a directory/);
    expect(() => checkWritableFile(join(dir, 'fresh.html'), '--html')).not.toThrow();
  });

  it('writeFileAtomic: the whole text or nothing, and no temporary file either way', () => {
    const target = join(dir, 'atomic', 'a.txt');
    mkdirSync(join(dir, 'atomic'));
    writeFileAtomic(target, 'one');
    writeFileAtomic(target, 'two');
    expect(readFileSync(target, 'utf8')).toBe('two');
    expect(() => writeFileAtomic(join(dir, 'atomic', 'gone', 'b.txt'), 'x')).toThrow(UsageError);
    expect(readdirSync(join(dir, 'atomic'))).toEqual(['a.txt']);
  });
});

describe('kfmd check --html', () => {
  it('writes the page after the report, with a section for every counterexample the run saved', async () => {
    const out = join(dir, 'check-html');
    const page = join(dir, 'check.html');
    const r = await kfmd('check', '--config', 'x86-A16', '--suite', 'foreign-bytes', '--out', out, '--html', page);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/HTML report: .*check\.html\n$/);
    const html = readFileSync(page, 'utf8');
    const saved = readdirSync(out);
    expect(saved.length).toBeGreaterThan(0);
    for (const f of saved) expect(html).toContain(f);
    expect(html).toContain('D3');
  });

  it('an unusable --html path is refused before any work', async () => {
    expectUsage(await kfmd('check', '--config', 'x86-A16', '--html', dir), /--html .* is a directory/);
    expectUsage(await kfmd('check', '--config', 'x86-A16', '--html', join(dir, 'no', 'such.html')), /does not exist/);
  });
});
