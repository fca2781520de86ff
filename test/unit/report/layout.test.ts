// The HTML report fits a 1280 px wide window: rendered in headless Chromium, no table is wider
// than its container (no column cut off or hidden behind a scroll bar), for one run and for
// two runs with long sweep-cell names (the widest labels). Runs a small eval on stories260K.
import { cpSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

import { runEval } from '../../../lib/eval/runner.js';
import { resolveEvalSettings } from '../../../lib/eval/settings.js';
import { renderReport } from '../../../lib/report/html.js';
import { loadRun } from '../../../lib/report/load-run.js';
import { nltkData, testCacheDir, tinyModel, writeFixture } from '../../e2e/eval-fixture.js';

const CHROMIUM = '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) console.warn(`[tests] ${CHROMIUM} is absent (apt-get install chromium): the report layout test is skipped`);
if (!existsSync(tinyModel)) console.warn(`[tests] ${tinyModel} is absent: the report layout test is skipped`);

describe.skipIf(!existsSync(CHROMIUM) || !existsSync(tinyModel))('report layout at 1280 px', () => {
  let root: string;
  let runDir: string;

  beforeAll(async () => {
    process.env.PERSONA_GEN_CACHE = testCacheDir;
    root = mkdtempSync(path.join(tmpdir(), 'pg-report-layout-'));
    const data = writeFixture(root);
    const settings = resolveEvalSettings(
      { model: tinyModel, space: 'native', data, maxTokens: 8, threads: 2, contextSize: 256, nltkData, betas: [0, 1.5], ragK: 1 },
      { threads: 2 },
    );
    runDir = path.join(root, 'run-a');
    await runEval({ mode: 'new', dir: runDir, settings }, { io: { stderr: { write: () => true } }, progress: 'none' });
  });

  it('no table overflows its container, for one run and for two runs with long names', async () => {
    const long = path.join(root, '01-LongLaMP-2-stories260K-native-rag1-beta-0.5-1-1.5-2-guard-top-k-20');
    cpSync(runDir, long, { recursive: true });
    const pages = {
      one: renderReport([loadRun(runDir)], { generatedAt: new Date(0) }),
      two: renderReport([loadRun(runDir), loadRun(long)], { generatedAt: new Date(0) }),
    };
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      for (const [name, html] of Object.entries(pages)) {
        const file = path.join(root, `report-${name}.html`);
        writeFileSync(file, html);
        await page.goto(pathToFileURL(file).href);
        const tables = await page.evaluate(() =>
          Array.from(document.querySelectorAll('table')).map((t) => {
            const box = t.getBoundingClientRect();
            const container = t.parentElement!;
            return {
              cls: t.className,
              tableWidth: t.scrollWidth,
              containerWidth: container.clientWidth,
              right: box.right,
              columns: t.rows[0]?.cells.length ?? 0,
            };
          }),
        );
        expect(tables.map((t) => t.cls)).toEqual(name === 'one' ? ['summary', 'diffs'] : ['summary', 'diffs', 'summary', 'diffs']);
        for (const t of tables) {
          expect(t.columns).toBeGreaterThanOrEqual(5);
          expect(t.tableWidth, `${name}: table.${t.cls} is ${t.tableWidth} px wide in a ${t.containerWidth} px container`).toBeLessThanOrEqual(t.containerWidth);
          expect(t.right).toBeLessThanOrEqual(1280);
        }
        const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(pageWidth).toBeLessThanOrEqual(1280);
        await page.screenshot({ path: path.join(tmpdir(), `persona-gen-report-layout-${name}.png`), fullPage: true });
      }
    } finally {
      await browser.close();
    }
  });
});
