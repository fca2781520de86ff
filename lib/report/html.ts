/**
 * The HTML report of one or more runs: a single self-contained page (inline CSS and SVG, no
 * script, nothing fetched) with the summary tables, metric against beta with CI bands, the
 * distribution of per-user differences, tokens per second, and examples side by side.
 * @module
 */
import path from 'node:path';

import type { SummaryMetric, SystemSummary } from '../eval/summary.js';
import { METRIC_LABELS, TABLE_METRICS, formatP } from '../eval/table.js';
import { betaSeries, differenceRows, differencesChart, metricVsBetaChart, speedChart, speedRows } from './charts.js';
import type { LoadedRun } from './load-run.js';
import { esc, fmtSigned } from './svg.js';

/** Options of {@link renderReport}. */
export interface ReportOptions {
  /** Page title. */
  title?: string;
  /** Users shown in the examples section per run (default 3). */
  examples?: number;
  /** When the page was made (default now). */
  generatedAt?: Date;
}

const CSS = `
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--soft:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1180px;margin:0 auto;padding:24px 28px 60px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:36px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:16px;margin:22px 0 6px}
.muted{color:var(--muted)}.small{font-size:13px}
table{border-collapse:collapse;margin:8px 0 4px;font-variant-numeric:tabular-nums}
th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left;overflow-wrap:anywhere}
td .ci,td .p{display:block;white-space:nowrap}
th{background:var(--soft);font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:18px}
figure.chart{margin:0;border:1px solid var(--line);border-radius:6px;padding:8px 10px;background:#fff}
figure.chart figcaption{font-size:13px;color:var(--muted);max-width:520px}
.chart-svg{display:block;max-width:100%;height:auto;font-size:12px}
.chart-svg .grid{stroke:#e6e9ed;stroke-width:1}
.chart-svg .axis{stroke:#57606a;stroke-width:1;fill:none}
.chart-svg .zero{stroke:#1b1f24;stroke-width:1.2;stroke-dasharray:4 3}
.chart-svg .tick{fill:#57606a}
.chart-svg .axis-title{fill:#1b1f24;font-weight:600}
.chart-svg .row-label,.chart-svg .legend-item text{fill:#1b1f24}
.examples{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:10px;margin:8px 0 20px}
.examples>div{border:1px solid var(--line);border-radius:6px;padding:8px 10px;background:var(--soft);font-size:13.5px;white-space:pre-wrap;overflow-wrap:anywhere}
.examples>div b{display:block;font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);margin-bottom:4px;white-space:normal}
.tablewrap{overflow-x:auto;max-width:100%}
table.diffs{font-size:13px}
.prompt{font-size:13px;color:var(--muted);margin:14px 0 2px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;font-size:13.5px;margin:6px 0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}
`;

function systemRow(s: SystemSummary): string {
  const cells = TABLE_METRICS.map((m) => `<td>${s.metrics[m].mean.toFixed(4)} <span class="ci muted">[${s.metrics[m].low.toFixed(4)}, ${s.metrics[m].high.toFixed(4)}]</span></td>`);
  return `<tr><td>${esc(s.label)}</td><td>${s.n}</td>${cells.join('')}<td>${s.speed.medianTokensPerSecond.toFixed(1)}</td><td>${s.emptyOutputs}</td></tr>`;
}

function summaryTables(run: LoadedRun): string {
  const pct = Math.round(run.metrics.statistics.confidence * 100);
  const head = `<tr><th>system</th><th>n</th>${TABLE_METRICS.map((m) => `<th>${METRIC_LABELS[m]} [${pct}% CI]</th>`).join('')}<th>tokens/s (median)</th><th>empty</th></tr>`;
  const labels = new Map(run.metrics.systems.map((s) => [s.id, s.label]));
  const diffs = run.metrics.systems.flatMap((s) =>
    s.comparisons.map(
      (c) =>
        `<tr><td>${esc(s.label)} − ${esc(labels.get(c.against) ?? c.against)}${c.control ? '' : ' <span class="muted">(vs baseline)</span>'}</td>${TABLE_METRICS.map((m) => {
          const d = c.metrics[m];
          return `<td>${fmtSigned(d.meanDiff)} <span class="ci muted">[${fmtSigned(d.low)}, ${fmtSigned(d.high)}]</span> <span class="p">p=${formatP(d.pValue)}</span></td>`;
        }).join('')}<td>${c.metrics.rougeL.wins}/${c.metrics.rougeL.ties}/${c.metrics.rougeL.losses}</td></tr>`,
    ),
  );
  const dhead = `<tr><th>paired difference</th>${TABLE_METRICS.map((m) => `<th>Δ${METRIC_LABELS[m]} [${pct}% CI] p</th>`).join('')}<th>W/T/L ROUGE-L</th></tr>`;
  return (
    `<div class="tablewrap"><table class="summary">${head}${run.metrics.systems.map(systemRow).join('')}</table></div>` +
    (diffs.length ? `<div class="tablewrap"><table class="diffs">${dhead}${diffs.join('')}</table></div>` : '')
  );
}

function facts(run: LoadedRun): string {
  const c = run.config;
  const data = c.data.source === 'file' ? `${c.data.path} (sha256 ${c.data.sha256.slice(0, 12)}…)` : `${c.data.repo}@${c.data.commit.slice(0, 12)} ${c.data.files.join(', ')}`;
  const rows: [string, string][] = [
    ['task', `${c.task.id} (${c.task.title}) · config ${c.task.config} · split ${c.task.split}`],
    ['data', `${data} · ${c.users.length} users`],
    ['model', `${c.model.ref} (sha256 ${c.model.sha256.slice(0, 12)}…, ${c.model.description})`],
    ['space', `${c.space.name}${c.embedder ? ` · embedder ${c.embedder}` : ''} · ${c.space.rows}×${c.space.dims}, ${c.space.zeroRows} zero rows`],
    [
      'decoding',
      `${c.generation.greedy ? 'greedy' : `temperature ${c.generation.temperature}, top-k ${c.generation.topK}, top-p ${c.generation.topP}, min-p ${c.generation.minP}`} · seed ${c.generation.seed} · ` +
        `max ${c.generation.maxTokens} new tokens · context ${c.generation.contextSize}${c.generation.chat ? ' · chat template' : ''}`,
    ],
    ['software', `${c.package.name} ${c.package.version} · llama.cpp ${c.llamaCpp.release} (${c.llamaCpp.commit.slice(0, 12)}) · bias kernel ${c.llamaCpp.biasKernel}`],
    ['machine', `${c.machine.cpu} · ${c.machine.cores} cores · ${c.threads} threads · ${c.machine.platform} ${c.machine.arch}`],
    ['started', c.createdAt],
  ];
  return `<dl class="facts">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
}

/** The personalized system with the highest mean ROUGE-L (or the RAG + bias one when there is none). */
function bestPersonalized(run: LoadedRun): SystemSummary | undefined {
  const candidates = run.metrics.systems.filter((s) => s.kind === 'personalized' && s.beta !== 0);
  const pool = candidates.length ? candidates : run.metrics.systems.filter((s) => s.kind === 'personalized' || s.kind === 'rag+bias');
  return [...pool].sort((a, b) => b.metrics.rougeL.mean - a.metrics.rougeL.mean)[0];
}

function examples(run: LoadedRun, count: number): string {
  const best = bestPersonalized(run);
  if (!best) return '';
  const byKey = new Map(run.predictions.map((p) => [`${p.system}\u0000${p.userId}`, p]));
  const control = best.comparisons.find((c) => c.control)?.against ?? 'baseline';
  const controlLabel = run.metrics.systems.find((s) => s.id === control)?.label ?? control;
  const blocks = run.config.users.slice(0, count).map((u) => {
    const base = byKey.get(`${control}\u0000${u}`);
    const pers = byKey.get(`${best.id}\u0000${u}`);
    if (!base || !pers) return '';
    const score = (m: SummaryMetric, p: typeof base) => `${METRIC_LABELS[m]} ${p.metrics[m].toFixed(4)}`;
    return (
      `<p class="prompt"><b>${esc(u)}</b> · ${pers.profileItems} profile items · prompt: ${esc(base.prompt)}</p>` +
      `<div class="examples">` +
      `<div><b>profile (first item)</b>${esc(pers.profileExcerpt)}</div>` +
      `<div><b>${esc(controlLabel)} · ${score('rougeL', base)}</b>${esc(base.output)}</div>` +
      `<div><b>${esc(best.label)} · ${score('rougeL', pers)}</b>${esc(pers.output)}</div>` +
      `<div><b>gold</b>${esc(pers.reference)}</div>` +
      `</div>`
    );
  });
  return `<h3>${esc(run.name)}: ${esc(best.label)} against ${esc(controlLabel)}</h3>${blocks.join('')}`;
}

/**
 * Renders the report page.
 *
 * @param runs - finished runs (at least one).
 * @param options - title, number of examples, timestamp.
 */
export function renderReport(runs: LoadedRun[], options: ReportOptions = {}): string {
  if (runs.length === 0) throw new Error('a report needs at least one run');
  const title = options.title ?? (runs.length === 1 ? `persona-gen eval · ${runs[0]!.name}` : `persona-gen eval · ${runs.length} runs`);
  const multi = runs.length > 1;
  const prefix = (r: LoadedRun): string => (multi ? `${r.name} · ` : '');
  const confidence = runs[0]!.metrics.statistics.confidence;

  const betaCharts = TABLE_METRICS.map((m) => {
    let c = 0;
    const series = runs.flatMap((r) => {
      const s = betaSeries(r, m, prefix(r), c);
      c += s.length;
      return s;
    });
    const svg = metricVsBetaChart(series, m, confidence);
    return svg
      ? `<figure class="chart" data-chart="metric-vs-beta" data-metric="${m}">${svg}<figcaption>${esc(METRIC_LABELS[m])} against β. ` +
          `β = 0 is the unbiased system (baseline, or RAG for RAG + bias); bands and whiskers: ${Math.round(confidence * 100)}% bootstrap CIs over users.</figcaption></figure>`
      : '';
  }).join('');

  const diffCharts = (['rougeL', 'meteor'] as SummaryMetric[])
    .map((m) => {
      let c = 0;
      const rows = runs.flatMap((r) => {
        const d = differenceRows(r, m, prefix(r), c);
        c += d.length;
        return d;
      });
      const svg = differencesChart(rows, m);
      return svg
        ? `<figure class="chart" data-chart="differences" data-metric="${m}">${svg}<figcaption>Per-user Δ${esc(METRIC_LABELS[m])} of each system against its control ` +
            `(dots: users; diamond: mean; bar: paired-bootstrap ${Math.round(confidence * 100)}% CI).</figcaption></figure>`
        : '';
    })
    .join('');

  let sc = 0;
  const speed = speedChart(
    runs.flatMap((r) => {
      const rows = speedRows(r, prefix(r), sc);
      sc += rows.length;
      return rows;
    }),
  );

  const sections = runs
    .map((r) => `<h3>${esc(r.name)}</h3><p class="small muted">${esc(r.dir)}</p>${facts(r)}${summaryTables(r)}`)
    .join('');
  const stats = runs[0]!.metrics.statistics;
  const generated = (options.generatedAt ?? new Date()).toISOString();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body><main>
<h1>${esc(title)}</h1>
<p class="muted small">Generated ${esc(generated)} by persona-gen from ${runs.map((r) => esc(path.basename(r.dir))).join(', ')}. Self-contained: no scripts, nothing loaded from the network.</p>
<h2>Results</h2>
${sections}
<p class="small muted">CIs: ${esc(stats.ci)}. p: ${esc(stats.pValue)}. ROUGE: F-measure without stemming (rouge_score 0.1.2); METEOR: NLTK 3.10.3 (alpha 0.9, beta 3, gamma 0.5). Empty outputs score 0 and stay in every mean.</p>
<h2>Metric against β</h2>
<div class="charts">${betaCharts}</div>
<h2>Per-user differences</h2>
<div class="charts">${diffCharts || '<p class="muted">No personalized system.</p>'}</div>
<h2>Speed</h2>
<div class="charts"><figure class="chart" data-chart="speed">${speed}<figcaption>Generated tokens per second (decoding only): bars = the median generation of each system; dots = single generations. metrics.json also has total tokens / total decode time.</figcaption></figure></div>
<h2>Examples</h2>
${runs.map((r) => examples(r, options.examples ?? 3)).join('')}
</main></body></html>
`;
}
