import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// model/SPEC.md is the document every "spec §N" in the code and README points to: each citation
// must resolve to one of its headings, and every finding ID and invariant kfmd reports must be
// defined there.
const REPO = join(import.meta.dirname, '..');
const SPEC_PATH = join(import.meta.dirname, 'SPEC.md');
const SCANNED_DIRS = ['model', 'impl', 'properties'];
const EXTENSIONS = ['.ts', '.mts', '.mjs', '.md'];

/** The IDs the findings tables report (sequential and concurrent). */
const FINDING_IDS = [
  'D1',
  'D2',
  'D3',
  'D3b',
  'D6',
  'D7-warn',
  'D7-index',
  'D8',
  'D8b',
  'D10',
  'D10u',
  'D12',
  'D13',
  'NORCU',
  'D16',
  'M25-poke',
  'M25-offsets',
  'M25-bound',
  'M25-init',
  'M25-stale',
  'J25-resize-enomem',
  'J25-stale',
  'J25-resize-miss',
];
const INVARIANTS = Array.from({ length: 11 }, (_, i) => `I${i + 1}`);

/** Sections the code cites today, plus the numbering the document keeps from its origin. */
const REQUIRED_SECTIONS = '0 1 2 2.1 2.2 2.3 2.4 3 4 4.1 4.2 4.3 4.4 4.5 5 6 7 8 8.1 8.2 8.3 9 10'.split(' ');

const SECTION_REF = /§\s*(\d+(?:\.\d+)*)/g;
const HEADING = /^#{1,6}\s+(\d+(?:\.\d+)*)\.?\s+\S/;

function sourceFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return []; // a directory another change just moved away
  }
  return entries.flatMap((e) => {
    if (e.name === 'node_modules' || e.name.startsWith('.')) return [];
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return EXTENSIONS.some((ext) => e.name.endsWith(ext)) ? [p] : [];
  });
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

interface Citation {
  readonly where: string;
  readonly section: string;
}

function citations(files: readonly string[]): Citation[] {
  const out: Citation[] = [];
  for (const f of files) {
    const text = readOrNull(f);
    if (text === null) continue;
    text.split('\n').forEach((line, i) => {
      for (const m of line.matchAll(SECTION_REF)) out.push({ where: `${relative(REPO, f)}:${i + 1}`, section: m[1] });
    });
  }
  return out;
}

/** Lines of the spec outside fenced code blocks. */
function specLines(spec: string): string[] {
  let fenced = false;
  return spec.split('\n').filter((line) => {
    if (line.trimStart().startsWith('```')) {
      fenced = !fenced;
      return false;
    }
    return !fenced;
  });
}

function headingNumbers(spec: string): string[] {
  return specLines(spec).flatMap((line) => {
    const m = HEADING.exec(line);
    return m ? [m[1]] : [];
  });
}

/** The term heads a table row (first cell, emphasis and code marks ignored) or is a word of a heading. */
function defines(spec: string, term: string): boolean {
  const bare = (s: string) => s.replace(/[*`]/g, '').trim();
  return specLines(spec).some((line) => {
    if (line.startsWith('|')) return bare(line.split('|')[1] ?? '') === term;
    if (/^#{1,6}\s/.test(line))
      return line
        .split(/[\s,;:()—–]+/)
        .map(bare)
        .includes(term);
    return false;
  });
}

const spec = readFileSync(SPEC_PATH, 'utf8');
const scanned = [...SCANNED_DIRS.flatMap((d) => sourceFiles(join(REPO, d))), join(REPO, 'README.md')];

describe('model/SPEC.md', () => {
  it('numbers each heading once and keeps the section numbering', () => {
    const numbers = headingNumbers(spec);
    expect(numbers.filter((n, i) => numbers.indexOf(n) !== i)).toEqual([]);
    expect(REQUIRED_SECTIONS.filter((s) => !numbers.includes(s))).toEqual([]);
  });

  it('resolves every § citation in model/, impl/, properties/ and README.md to a heading', () => {
    const cited = citations(scanned);
    // the scan itself must work: the code cites the spec in many places
    expect(cited.length).toBeGreaterThan(20);
    expect(cited.some((c) => c.where.startsWith('README.md:'))).toBe(true);
    const numbers = new Set(headingNumbers(spec));
    const unresolved = cited.filter((c) => !numbers.has(c.section)).map((c) => `${c.where}: §${c.section}`);
    expect(unresolved).toEqual([]);
  });

  it('defines every finding ID kfmd reports', () => {
    expect(FINDING_IDS.filter((id) => !defines(spec, id))).toEqual([]);
  });

  it('the ID list above matches the findings tables in properties/', () => {
    const tables = sourceFiles(join(REPO, 'properties')).filter((f) => f.endsWith('findings.ts'));
    expect(tables.length).toBeGreaterThan(0);
    const ids = new Set(
      tables.flatMap((f) => [...(readOrNull(f) ?? '').matchAll(/\bid:\s*'([^']+)'/g)].map((m) => m[1])),
    );
    expect([...ids].filter((id) => !FINDING_IDS.includes(id))).toEqual([]);
  });

  it('defines I1–I11 and every invariant the code uses', () => {
    const used = new Set<string>();
    for (const f of scanned) {
      if (f === SPEC_PATH) continue;
      for (const m of (readOrNull(f) ?? '').matchAll(/\bI(\d{1,2})\b/g)) used.add(`I${m[1]}`);
    }
    expect(used.size).toBeGreaterThan(0);
    const wanted = [...new Set([...INVARIANTS, ...used])];
    expect(wanted.filter((inv) => !defines(spec, inv))).toEqual([]);
  });
});
