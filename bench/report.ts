/** Renders the benchmark results as Markdown. Pure. */
import type { OrgFigures } from './results-types';
import type { BenchResults, PointResult, RunResult } from './results-types';

const s = (ms: number) => (ms / 1000).toFixed(2);
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

const dash = '—';

function runRow(p: PointResult, r: RunResult): string {
  const calls = `${r.totalCalls} (${r.totalMinimum})`;
  const result = r.ok ? 'ok' : `**FAILED**: ${(r.failures[0] ?? '').slice(0, 120)}`;
  const sdk = r.sdkFloor;
  const sdkCells = sdk?.ok ? [s(sdk.wallMs), s(sdk.cpuMs), (r.ratioToFloors ?? NaN).toFixed(2)] : [sdk ? 'failed' : dash, dash, dash];
  return [
    '',
    p.clusters.toLocaleString('en-US'),
    p.regions,
    r.run,
    s(r.wallMs),
    s(r.floorMs),
    r.ratio.toFixed(2),
    `${r.floorBinding ?? ''}${r.floorTailMs > 0 ? ' + tail' : ''}`,
    ...sdkCells,
    calls,
    s(r.cpuUserMs + r.cpuSystemMs),
    r.maxRssMb.toFixed(0),
    result,
    '',
  ]
    .join(' | ')
    .trim();
}

function operationsTable(p: PointResult): string[] {
  const ops = [...new Set(p.runs.flatMap((r) => Object.keys(r.operations)))].sort();
  const cell = (r: RunResult | undefined, op: string) => {
    const o = r?.operations[op];
    if (!o) return '';
    const mark = o.calls > o.minimum ? ' ⚠' : o.calls < o.minimum ? ' ✗' : '';
    return `${o.calls} / ${o.minimum}${o.throttled ? ` (${o.throttled} throttled)` : ''}${mark}`;
  };
  const first = p.runs.find((r) => r.run === 'first');
  const steady = p.runs.find((r) => r.run === 'steady');
  return [
    `#### ${p.clusters.toLocaleString('en-US')} clusters × ${p.regions} Regions: calls / minimum`,
    '',
    '| operation | first run | steady state |',
    '|---|---|---|',
    ...ops
      .filter(
        (op) =>
          (first?.operations[op]?.calls ?? 0) +
            (first?.operations[op]?.minimum ?? 0) +
            (steady?.operations[op]?.calls ?? 0) +
            (steady?.operations[op]?.minimum ?? 0) >
          0,
      )
      .map((op) => `| ${op} | ${cell(first, op)} | ${cell(steady, op)} |`),
    '',
  ];
}

/** The organization's floors: the model's, and the SDK floor when measured. */
function organizationFloors(o: OrgFigures): string {
  const model =
    `${o.listPages} ListAccounts pages, then AssumeRole and each account's scan, ${o.concurrency} accounts at once, ` +
    `one account at least ${s(o.accountFloorMs)} s; + a bare Node start ${s(o.bareStartMs)} s`;
  const f = o.sdkFloor;
  if (!f) return `floor ${s(o.floorMs)} s (the model floor ${s(o.modelFloorMs)} s: ${model}; no SDK floor), **${o.ratio.toFixed(2)}×**`;
  return (
    `model floor ${s(o.floorMs)} s (${s(o.modelFloorMs)} s: ${model}), ` +
    `SDK floor ${s(f.wallMs)} s (spawn to exit less ${s(f.planMs)} s reading its plan; CPU ${s(f.cpuMs)} s, ` +
    `${(f.maxRssKb / 1024).toFixed(0)} MB peak RSS, ${f.totalCalls} calls${f.ok ? '' : ', **FAILED**'}), ` +
    `**${o.ratioToFloors.toFixed(2)}× the larger floor** (${o.ratio.toFixed(2)}× the model floor, ` +
    `${(o.wallMs / f.wallMs).toFixed(2)}× the SDK floor)`
  );
}

/** The organization point: one sentence of figures, the calls against their minimum, and its failures. */
function organizationLines(o: OrgFigures): string[] {
  const ops = Object.entries(o.operations).filter(([, c]) => c.calls + c.minimum > 0);
  return [
    `Organization (\`scan --accounts all --role-name … --publish-findings\` in a fresh process, --account-concurrency ${o.concurrency}): ` +
      `${o.accounts} accounts × ${o.regions} Regions × ${o.clustersPerAccount} clusters (${o.clusters.toLocaleString('en-US')} clusters): ` +
      `${s(o.wallMs)} s from process start to exit, ${organizationFloors(o)}; ` +
      `CPU ${s(o.cpuMs)} s, ${(o.maxRssKb / 1024).toFixed(0)} MB peak RSS, exit ${o.exitCode}` +
      `${o.ok ? '; every cluster of every account judged and imported into its own account' : ' — **FAILED**'}.`,
    '',
    '| operation (organization) | calls | minimum | throttled |' + (o.sdkFloor ? ' SDK floor calls |' : ''),
    '|---|---:|---:|---:|' + (o.sdkFloor ? '---:|' : ''),
    ...ops.map(
      ([op, c]) =>
        `| ${op} | ${c.calls} | ${c.minimum} | ${c.throttled} |` + (o.sdkFloor ? ` ${o.sdkFloor.operations[op]?.calls ?? 0} |` : ''),
    ),
    '',
    ...o.failures.map((f) => `- ✗ organization: ${f}`),
    ...o.notes.slice(0, 5).map((n) => `- · organization: ${n}`),
    ...(o.sdkFloor?.notes ?? []).slice(0, 5).map((n) => `- · organization SDK floor: ${n}`),
    ...(o.failures.length + Math.min(5, o.notes.length) + Math.min(5, o.sdkFloor?.notes.length ?? 0) > 0 ? [''] : []),
  ];
}

export function renderMarkdown(r: BenchResults): string {
  const lines: string[] = [
    `# Benchmark results`,
    '',
    `${r.generatedAt} · ${r.machine.cpus} × ${r.machine.cpuModel} · ${(r.machine.memoryMb / 1024).toFixed(0)} GiB · Node ${r.machine.node} · ` +
      `latency ${r.options.latencyMs} ms per call · seed ${r.options.seed}${r.options.quick ? ' · quick' : ''} · ` +
      `BENCH_NODE_ARGS ${r.options.nodeArgs?.length ? `\`${r.options.nodeArgs.join(' ')}\` (handler process)` : 'not set'}`,
    '',
  ];
  if (r.fatal) lines.push(`**The benchmark could not run:** ${r.fatal}`, '');
  if (r.cli) {
    const { start, scan } = r.cli;
    lines.push(
      `CLI (fresh process, median of ${start.runs}): \`--help\` ${start.help.wallMs.toFixed(0)} ms and ${(start.help.maxRssKb / 1024).toFixed(0)} MB peak RSS, ` +
        `beside a bare \`node -e 0\` at ${start.bare.wallMs.toFixed(0)} ms and ${(start.bare.maxRssKb / 1024).toFixed(0)} MB. ` +
        `Scan of ${scan.clusters} clusters × ${scan.regions} Regions (first run, publishing): ${scan.wallMs.toFixed(0)} ms from process start to exit, ` +
        `floor ${scan.floorMs.toFixed(0)} ms, ${scan.ratio.toFixed(2)}× (the larger of: the model floor + one STS call + a bare Node start, ` +
        `${(scan.modelFloorMs ?? scan.floorMs).toFixed(0)} ms; the SDK floor in a fresh process + one STS call, ` +
        `${scan.sdkFloorMs === undefined ? 'not measured' : `${scan.sdkFloorMs.toFixed(0)} ms`}); ` +
        `${(scan.maxRssKb / 1024).toFixed(0)} MB peak RSS${scan.ok ? '' : ` — FAILED: ${scan.error}`}.`,
      '',
    );
  }
  if (r.organization) lines.push(...organizationLines(r.organization));
  if (r.bundle) {
    lines.push(
      `Bundle: ${kb(r.bundle.bytes)} (${kb(r.bundle.gzipBytes)} gzipped). ` +
        (r.coldLoad
          ? `Cold load (require in a fresh Node process, median of ${r.coldLoad.requireMs.length}): ${r.coldLoad.medianRequireMs.toFixed(0)} ms; ` +
            `whole process ${r.coldLoad.medianProcessMs.toFixed(0)} ms.`
          : ''),
      '',
    );
    if (r.bundle.byPackage.length) {
      lines.push(
        'Largest parts of the bundle: ' +
          r.bundle.byPackage
            .slice(0, 8)
            .map((p) => `${p.name} ${kb(p.bytes)}`)
            .join(', ') +
          '.',
        '',
      );
    }
  }
  if (r.points.length) {
    lines.push(
      '| clusters | Regions | run | wall s | floor s | wall / floor | floor set by | SDK floor s | SDK floor CPU s | wall / SDK floor | calls (minimum) | CPU s | peak RSS MB | result |',
      '|---:|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---|',
      ...r.points.flatMap((p) => p.runs.map((run) => runRow(p, run))),
      '',
      '**floor**: the wall time the latency and rate-limit model makes unavoidable (bench/floor.ts: Marker pages one ' +
        'after another per Region, imports at 10 TPS, Regions in parallel, every call one latency) and counting no CPU; ' +
        '"floor set by" names the constraint of the slowest Region, "+ tail" the alert and state writes after it. ' +
        '**SDK floor**: measured, the same minimal calls made with the same SDK v3 clients and settings (bundled and ' +
        'minified like the handler) against the same fake in a fresh process, with the findings, state items and alert ' +
        'built beforehand and no checker logic, so it adds the CPU the SDK itself needs (XML parsing of ' +
        'DescribeDBClusters, JSON of BatchImportFindings) on one Node thread; **wall / SDK floor** divides by the larger ' +
        'of the two floors. ' +
        'wall: the handler call in a fresh process (load excluded); CPU: user + system of the handler call; peak RSS: ' +
        'the whole process. first: empty state table and no findings; steady: the same fleet again.',
      '',
      ...r.points.flatMap(operationsTable),
    );
  }
  const problems = r.points.flatMap((p) =>
    p.runs.flatMap((run) => [
      ...run.failures.map((f) => `✗ ${p.clusters}×${p.regions} ${run.run}: ${f}`),
      ...run.notes.map((n) => `· ${p.clusters}×${p.regions} ${run.run}: ${n}`),
    ]),
  );
  if (problems.length) lines.push('### Failures (✗) and notes (·)', '', ...problems.map((x) => `- ${x}`), '');
  return lines.join('\n');
}
