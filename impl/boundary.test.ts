import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// impl/ must stand alone: the harness compares it against model/, so it may not borrow from it
function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('impl boundary', () => {
  it('never imports from model/ or properties/', () => {
    const root = import.meta.dirname;
    const offenders = tsFiles(root).filter((f) =>
      /from\s+['"](\.\.\/)+(model|properties)\//.test(readFileSync(f, 'utf8')),
    );
    expect(offenders.map((f) => relative(root, f))).toEqual([]);
  });
});
