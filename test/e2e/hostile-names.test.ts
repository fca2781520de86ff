/**
 * User ids and texts from data never become paths or markup: `persona-gen eval` on a dataset
 * whose user ids are `../` paths, absolute paths and HTML, then `persona-gen report` on the run,
 * write only the run folder's own files (config.json, predictions.jsonl, metrics.json,
 * report.html) inside it; the ids are kept verbatim in the predictions and escaped in the HTML.
 *
 * Needs test/fixtures/models/stories260K.gguf and a built CLI (`npx tsc -p tsconfig.build.json`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { repoRoot, storiesModel } from '../helpers/shared.js';

const cli = path.join(repoRoot, 'dist', 'cli.js');
const model = storiesModel;
const canRun = existsSync(model) && existsSync(cli);
if (!canRun) console.warn(`[tests] ${existsSync(model) ? cli : model} is absent: the hostile-names end-to-end test is skipped`);

const HOSTILE_IDS = ['../../../../escaped-user', '/tmp/absolute-user', '<script>alert("x")</script>', 'a\\..\\..\\b', 'CON', ' .. '];

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? [full, ...walk(full)] : [full];
  });
}

describe.skipIf(!canRun)('hostile user ids (end to end)', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'pg-hostile-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('eval and report write only the run folder, keep ids verbatim and escape them in HTML', { timeout: 300_000 }, () => {
    const work = path.join(root, 'work');
    const data = path.join(root, 'data.jsonl');
    const rows = HOSTILE_IDS.map((author, i) => ({
      author,
      input: `Generate the content for a reddit post The dog ${i}`,
      output: 'The dog ran to the park. He was happy.',
      profile: [{ author, content: 'The cat sat on the mat. The sun was big and red.', id: `<img src=x onerror=alert(${i})>`, summary: '../../summary' }],
    }));
    writeFileSync(data, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const before = new Set(walk(root));
    const run = path.join(work, 'run');
    const ev = spawnSync(
      process.execPath,
      [cli, 'eval', '--model', model, '--space', 'native', '--data', data, '--task', 'LongLaMP-4', '--num-users', String(HOSTILE_IDS.length), '--betas', '1', '--max-tokens', '8', '--threads', '1', '--progress', 'none', '--out', run],
      { cwd: root, encoding: 'utf8', timeout: 240_000 },
    );
    expect(ev.status, ev.stderr).toBe(0);
    const rep = spawnSync(process.execPath, [cli, 'report', run], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(rep.status, rep.stderr).toBe(0);

    const created = walk(root).filter((p) => !before.has(p));
    expect(created.sort()).toEqual([work, run, ...['config.json', 'metrics.json', 'predictions.jsonl', 'report.html'].map((f) => path.join(run, f))].sort());
    expect(existsSync(path.join(os.tmpdir(), 'absolute-user'))).toBe(false);

    const ids = readFileSync(path.join(run, 'predictions.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { userId: string }).userId);
    expect([...new Set(ids)]).toEqual(HOSTILE_IDS);
    const html = readFileSync(path.join(run, 'report.html'), 'utf8');
    expect(html).not.toContain('<script>alert("x")</script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'); // shown, escaped
    expect(html).not.toContain('<img src=x onerror');
  });
});
