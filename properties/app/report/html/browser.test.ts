import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v4 } from '../../../../impl/v4/store.ts';
import { loadCounterexample } from '../../../engine/core/counterexample.ts';
import { must } from '../../../engine/core/must.ts';
import { simulate } from '../../../engine/concurrent/simulate.ts';
import type { ConcRun } from '../../../engine/concurrent/simulate.ts';
import { saveConcurrentV4 } from './fixtures/counterexamples.ts';
import { renderHtmlReport } from './index.ts';

/** Debian's chromium (installed by .ci/run), or undefined when this machine has none. */
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (bin) => spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0,
);

const WIDTH = 1366;
const HEIGHT = 900;

interface Rgb {
  readonly r: number;
  readonly g: number;
  readonly b: number;
}

function pixel(png: PNG, x: number, y: number): Rgb {
  const i = (png.width * Math.round(y) + Math.round(x)) * 4;
  return { r: png.data[i] ?? 0, g: png.data[i + 1] ?? 0, b: png.data[i + 2] ?? 0 };
}

function near(a: Rgb, b: Rgb, tolerance = 12): boolean {
  return Math.abs(a.r - b.r) <= tolerance && Math.abs(a.g - b.g) <= tolerance && Math.abs(a.b - b.b) <= tolerance;
}

/** the current step's row background (style.ts --cur) */
const CURRENT_ROW: Rgb = { r: 0xff, g: 0xf1, b: 0xb8 };
const WHITE: Rgb = { r: 255, g: 255, b: 255 };

describe.skipIf(!CHROMIUM && process.env['CI'] !== 'true')('the HTML report in a real browser (chromium)', () => {
  let browser: Browser | null = null;
  let page: Page;
  let run: ConcRun;
  let shots = '';
  const errors: string[] = [];
  const requests: string[] = [];

  it('chromium is installed (CI installs it; locally: apt-get install chromium)', () => {
    expect(CHROMIUM).toBeDefined();
  });

  beforeAll(async () => {
    if (!CHROMIUM) return;
    shots = mkdtempSync(join(tmpdir(), 'kfmd-browser-'));
    const file = saveConcurrentV4(shots);
    const saved = loadCounterexample(file);
    if (saved.kind !== 'concurrent') throw new Error('a concurrent counterexample');
    run = simulate(saved.scenario, v4, { record: true });
    const html = join(shots, 'report.html');
    writeFileSync(html, renderHtmlReport({ title: 'kfmd browser test', files: [{ path: file, saved }] }));
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
    page = await browser.newPage({ viewport: { width: WIDTH, height: HEIGHT }, deviceScaleFactor: 1 });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(html).href);
    await page.locator('.scrubber').scrollIntoViewIfNeeded();
  });

  afterAll(async () => {
    await browser?.close();
  });

  const current = async (): Promise<{ step: string | null; label: string; row: string | null; panel: string }> => ({
    step: await page.locator('[data-scrubber]').getAttribute('data-current'),
    label: (await page.locator('.step-label').textContent()) ?? '',
    row: await page.locator('tr.current').getAttribute('data-step'),
    panel: (await page.locator('.step-panel.shown h4').textContent()) ?? '',
  });

  /** A screenshot of the timeline alone, decoded. */
  const timelineShot = async (name: string): Promise<PNG> => {
    const path = join(shots, name);
    await page.locator('.timeline-wrap').screenshot({ path });
    return PNG.sync.read(readFileSync(path));
  };

  it('steps with next and prev, the slider and the arrow keys: the row, the label and the panel follow', async () => {
    const n = run.timeline.length;
    expect(n).toBeGreaterThan(6);
    expect(await current()).toEqual({
      step: '0',
      label: `step 0 of ${n - 1}`,
      row: '0',
      panel: `step 0 · cpu${run.timeline[0]?.cpu}`,
    });
    const next = page.locator('button[data-action="next"]');
    for (let i = 0; i < 5; i++) await next.click();
    const at5 = must(run.timeline[5], 'step 5');
    expect(await current()).toEqual({
      step: '5',
      label: `step 5 of ${n - 1}`,
      row: '5',
      panel: `step 5 · cpu${at5.cpu}`,
    });
    // the panel shows that step's own text, and the steps after it are dimmed
    expect(await page.locator('.step-panel.shown .what code').textContent()).toBe(at5.text);
    expect(await page.locator('tr.future').count()).toBe(n - 6);
    await page.locator('button[data-action="prev"]').click();
    expect((await current()).step).toBe('4');
    await page.locator('input[type="range"]').fill(String(n - 1));
    expect((await current()).step).toBe(String(n - 1));
    await page.locator('[data-scrubber]').press('ArrowLeft');
    expect((await current()).step).toBe(String(n - 2));
    await page.locator('button[data-action="violation"]').click();
    expect((await current()).step).toBe(String(run.violation?.at));
    expect(await page.locator('.step-panel.shown .violation-box').count()).toBe(1);
  });

  it('the screenshots show it: not blank, and the highlighted row moves between two steps', async () => {
    await page.locator('button[data-action="first"]').click();
    const first = await timelineShot('timeline-step0.png');
    for (let i = 0; i < 5; i++) await page.locator('button[data-action="next"]').click();
    const fifth = await timelineShot('timeline-step5.png');
    const full = join(shots, 'report-step5.png');
    await page.screenshot({ path: full });
    console.log(
      `kfmd browser test: screenshots in ${shots} (report-step5.png, timeline-step0.png, timeline-step5.png)`,
    );

    const whole = PNG.sync.read(readFileSync(full));
    expect([whole.width, whole.height]).toEqual([WIDTH, HEIGHT]);
    const colours = new Set<number>();
    let inked = 0;
    for (let i = 0; i < whole.data.length; i += 4) {
      const [r, g, b] = [whole.data[i] ?? 0, whole.data[i + 1] ?? 0, whole.data[i + 2] ?? 0];
      colours.add((r << 16) | (g << 8) | b);
      if (!near({ r, g, b }, WHITE, 8)) inked++;
    }
    expect(colours.size, 'distinct colours').toBeGreaterThan(50);
    expect(inked / (whole.width * whole.height), 'share of pixels that are not white').toBeGreaterThan(0.03);

    expect([fifth.width, fifth.height]).toEqual([first.width, first.height]);
    let differing = 0;
    for (let i = 0; i < first.data.length; i += 4)
      if (first.data.readUInt32BE(i) !== fifth.data.readUInt32BE(i)) differing++;
    expect(differing, 'pixels that differ between step 0 and step 5').toBeGreaterThan(500);

    // at the left edge of step 5's row: the highlight at step 5, not at step 0 (and the reverse for row 0)
    const wrap = must(await page.locator('.timeline-wrap').boundingBox(), 'the timeline box');
    const spot = async (step: number): Promise<{ x: number; y: number }> => {
      const box = must(await page.locator(`tr[data-step="${step}"] td`).first().boundingBox(), `row ${step}`);
      return { x: box.x - wrap.x + 3, y: box.y - wrap.y + box.height / 2 };
    };
    const row5 = await spot(5);
    const row0 = await spot(0);
    expect(pixel(fifth, row5.x, row5.y)).toSatisfy((p: Rgb) => near(p, CURRENT_ROW));
    expect(pixel(first, row5.x, row5.y)).not.toSatisfy((p: Rgb) => near(p, CURRENT_ROW));
    expect(pixel(first, row0.x, row0.y)).toSatisfy((p: Rgb) => near(p, CURRENT_ROW));
    expect(pixel(fifth, row0.x, row0.y)).not.toSatisfy((p: Rgb) => near(p, CURRENT_ROW));
  });

  it('printed: no buttons, every step panel shown', async () => {
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.controls').isVisible()).toBe(false);
    const panels = page.locator('.step-panel');
    const n = await panels.count();
    expect(n).toBe(run.timeline.length);
    for (let k = 0; k < n; k += Math.max(1, Math.floor(n / 5))) expect(await panels.nth(k).isVisible()).toBe(true);
    await page.emulateMedia({ media: 'screen' });
    expect(await page.locator('.controls').isVisible()).toBe(true);
  });

  it('fetches nothing but the page, and the script reports no error', () => {
    expect(requests.every((u) => u.startsWith('file://'))).toBe(true);
    expect(requests).toHaveLength(1);
    expect(errors).toEqual([]);
  });
});
