import { percentile } from '../testing/load/load-client.ts';
import type { ClipRun, ConfigResult } from './config-session.ts';
import type { MachineInfo } from './machine-info.ts';
import { errorRate, wordErrors, type WordErrors } from './wer.ts';

/** One configuration × clip: medians over the repeats. */
export interface SummaryRow {
  model: string;
  config: string;
  label: string;
  /** Backend, precision and threads actually used. */
  setup: string;
  clip: string;
  audioSeconds: number | null;
  rtf: number | null;
  rtfWithPartials: number | null;
  /** The first partial, or the first final where no partials come (the plain pipeline: its complete result). */
  firstTextSeconds: number | null;
  afterAudioSeconds: number | null;
  /** From the first voiced frame (the app's segmenter) to the first text. */
  firstTextAfterOnsetSeconds: number | null;
  /** Word emission latency (each word's audio end → its first appearance): median and 90th percentile over the words. */
  wordEmissionMedianSeconds: number | null;
  wordEmissionP90Seconds: number | null;
  wallSeconds: number | null;
  /** CPU time of the browser's renderer and GPU processes ÷ audio length. */
  cpuPerAudioSecond: number | null;
  loadSeconds: number | null;
  jsHeapMB: number | null;
  rssMB: number | null;
  /** Only for real weights. */
  wer?: number;
  error?: string;
}

/** Model → config → WER per clip and pooled over the clips (corpus WER). */
export type WerTable = Record<string, Record<string, { perClip: Record<string, number>; overall: number }>>;

export interface RatioRow {
  model: string;
  name: string;
  /** Per clip; null where either side is missing. */
  values: Record<string, number | null>;
}

const RATIOS = [
  { name: 'RTF: WASM multi-thread / single thread (live stream)', numerator: 'wasm-mt', denominator: 'wasm-1t', metric: 'rtf' },
  { name: 'RTF: WebGPU / WASM multi-thread (live stream)', numerator: 'webgpu', denominator: 'wasm-mt', metric: 'rtf' },
  { name: 'RTF: ours, live stream / plain pipeline', numerator: 'wasm-mt', denominator: 'plain', metric: 'rtf' },
  { name: 'RTF: ours, opened file / plain pipeline', numerator: 'wasm-mt-file', denominator: 'plain', metric: 'rtf' },
  { name: 'CPU time: ours, live stream / plain pipeline', numerator: 'wasm-mt', denominator: 'plain', metric: 'cpuPerAudioSecond' },
  { name: 'CPU time: ours, opened file / plain pipeline', numerator: 'wasm-mt-file', denominator: 'plain', metric: 'cpuPerAudioSecond' },
  { name: 'first text after speech onset: ours, live stream / plain pipeline', numerator: 'wasm-mt', denominator: 'plain', metric: 'firstTextAfterOnsetSeconds' },
  { name: 'first text: ours, live stream / plain pipeline', numerator: 'wasm-mt', denominator: 'plain', metric: 'firstTextSeconds' },
  { name: 'RTF: opened file, language detected / given', numerator: 'wasm-mt-file-detect', denominator: 'wasm-mt-file', metric: 'rtf' },
] as const;

function median(values: readonly (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (present.length === 0) return null;
  const middle = Math.floor(present.length / 2);
  return present.length % 2 ? present[middle]! : (present[middle - 1]! + present[middle]!) / 2;
}

/** The median over clips of one configuration's first text after speech onset. */
export function medianFirstTextAfterOnset(rows: readonly SummaryRow[], model: string, config: string): number | null {
  return median(rows.filter((r) => r.model === model && r.config === config && !r.error).map((r) => r.firstTextAfterOnsetSeconds));
}

const over = (runs: readonly ClipRun[], metric: (run: ClipRun) => number | null) => median(runs.map(metric));

/** Word error rates of the first transcription of each clip, for the models with real weights. */
export function werTable(results: readonly ConfigResult[], references: ReadonlyMap<string, string>, werModels: ReadonlySet<string>): WerTable {
  const table: WerTable = {};
  for (const result of results.filter((r) => werModels.has(r.model))) {
    const errors = new Map<string, WordErrors>();
    for (const { clip, runs } of result.clips) if (runs[0]) errors.set(clip, wordErrors(references.get(clip) ?? '', runs[0].text));
    if (errors.size === 0) continue;
    const perClip = Object.fromEntries([...errors].map(([clip, e]) => [clip, errorRate([e])]));
    (table[result.model] ??= {})[result.config] = { perClip, overall: errorRate([...errors.values()]) };
  }
  return table;
}

export function summarise(results: readonly ConfigResult[], wer: WerTable): SummaryRow[] {
  return results.flatMap((result) => {
    const load = result.load;
    const setup = load ? `${load.backend} ${load.precision}${load.backend === 'wasm' ? `, ${load.threads} thr` : ''}` : '—';
    const base = { model: result.model, config: result.config, label: result.label, setup, loadSeconds: load?.loadSeconds ?? null };
    const clipWer = wer[result.model]?.[result.config]?.perClip;
    const measured = result.clips.filter(({ runs }) => runs.length > 0);
    const rows: SummaryRow[] = measured.map(({ clip, runs }) => ({
      ...base,
      clip,
      audioSeconds: over(runs, (r) => r.audioSeconds),
      rtf: over(runs, (r) => r.finalComputeSeconds / r.audioSeconds),
      rtfWithPartials: over(runs, (r) => r.computeSeconds / r.audioSeconds),
      firstTextSeconds: over(runs, (r) => r.firstPartialSeconds ?? r.firstFinalSeconds),
      afterAudioSeconds: over(runs, (r) => r.afterAudioSeconds),
      firstTextAfterOnsetSeconds: over(runs, (r) => r.firstTextAfterOnsetSeconds),
      wordEmissionMedianSeconds: over(runs, (r) => percentile(r.wordEmissionSeconds, 50) ?? null),
      wordEmissionP90Seconds: over(runs, (r) => percentile(r.wordEmissionSeconds, 90) ?? null),
      wallSeconds: over(runs, (r) => r.wallSeconds),
      cpuPerAudioSecond: over(runs, (r) => r.resources.cpuSeconds / r.audioSeconds),
      jsHeapMB: over(runs, (r) => r.resources.jsHeapMB),
      rssMB: over(runs, (r) => r.resources.rssMB),
      ...(clipWer?.[clip] === undefined ? {} : { wer: clipWer[clip] }),
    }));
    const empty = { audioSeconds: null, rtf: null, rtfWithPartials: null, firstTextSeconds: null, afterAudioSeconds: null, firstTextAfterOnsetSeconds: null, wordEmissionMedianSeconds: null, wordEmissionP90Seconds: null, wallSeconds: null, cpuPerAudioSecond: null, jsHeapMB: null, rssMB: null };
    return result.error ? [...rows, { ...base, ...empty, clip: '—', error: result.error }] : rows;
  });
}

export function ratios(rows: readonly SummaryRow[]): RatioRow[] {
  const models = [...new Set(rows.map((r) => r.model))];
  const clips = [...new Set(rows.filter((r) => !r.error).map((r) => r.clip))];
  const find = (model: string, config: string, clip: string) => rows.find((r) => r.model === model && r.config === config && r.clip === clip && !r.error);
  return models.flatMap((model) =>
    RATIOS.map(({ name, numerator, denominator, metric }) => ({
      model,
      name,
      values: Object.fromEntries(
        clips.map((clip) => {
          const top = find(model, numerator, clip)?.[metric];
          const bottom = find(model, denominator, clip)?.[metric];
          return [clip, top != null && bottom ? top / bottom : null];
        }),
      ),
    })),
  );
}

const cell = (value: number | null | undefined, digits = 2) => (value == null ? '—' : value.toFixed(digits));
const table = (header: string[], body: string[][]) =>
  [header, header.map(() => '---'), ...body].map((cells) => `| ${cells.join(' | ')} |`).join('\n');

export function markdownTables(rows: readonly SummaryRow[], ratioRows: readonly RatioRow[]): string {
  return [...new Set(rows.map((r) => r.model))]
    .map((model) => {
      const own = rows.filter((r) => r.model === model);
      const withWer = own.some((r) => r.wer !== undefined);
      const header = ['Config', 'Ran as', 'Clip', 'Audio s', 'RTF', 'RTF incl. partials', 'First text s', 'First text after speech onset s', 'Word emission s (median / p90)', 'Done after audio end s', 'Wall s', 'CPU s per audio s', 'Load s', 'Peak JS heap MB', 'Peak RSS MB', ...(withWer ? ['WER'] : [])];
      const body = own.map((r) =>
        r.error
          ? [r.config, r.setup, r.clip, `failed: ${r.error.split('\n')[0]!.replace(/\|/g, '\\|')}`, ...header.slice(4).map(() => '')]
          : [r.config, r.setup, r.clip, cell(r.audioSeconds, 1), cell(r.rtf), cell(r.rtfWithPartials), cell(r.firstTextSeconds), cell(r.firstTextAfterOnsetSeconds), `${cell(r.wordEmissionMedianSeconds)} / ${cell(r.wordEmissionP90Seconds)}`, cell(r.afterAudioSeconds), cell(r.wallSeconds), cell(r.cpuPerAudioSecond), cell(r.loadSeconds), cell(r.jsHeapMB, 0), cell(r.rssMB, 0), ...(withWer ? [cell(r.wer)] : [])],
      );
      const ownRatios = ratioRows.filter((r) => r.model === model && Object.values(r.values).some((v) => v !== null));
      const clips = Object.keys(ownRatios[0]?.values ?? {});
      const ratioTable = ownRatios.length ? `\n\n${table(['Ratio', ...clips], ownRatios.map((r) => [r.name, ...clips.map((clip) => cell(r.values[clip]))]))}` : '';
      return `### ${model}\n\n${table(header, body)}${ratioTable}`;
    })
    .join('\n\n');
}

export function markdownReport(machine: MachineInfo, settings: string, tables: string, werNote: string): string {
  const adapter = machine.webgpuAdapter ? `${machine.webgpuAdapter.vendor} ${machine.webgpuAdapter.architecture}`.trim() : 'none';
  return `# ASR benchmark

${machine.date} · ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB · Chromium ${machine.chromium} (headless) · WebGPU adapter: ${adapter} · commit ${machine.gitCommit.slice(0, 10)}${machine.gitDirty ? ' (with uncommitted changes)' : ''}

${settings}

${tables}

**WER:** ${werNote}

- **RTF**: recognition time of the final segments ÷ audio length (what transcribing costs; the plain pipeline: its one call ÷ audio length). **RTF incl. partials**: all recognition work, partials too.
- **First text**: from the first audio chunk to the first partial transcript; where there are no partials (opened file, plain pipeline), to the first final text, which for the plain pipeline is its complete result. **Done after audio end**: from the last chunk to the complete transcript.
- **First text after speech onset**: from the first voiced frame (the app's segmenter, at the feeding pace; an opened file and the plain pipeline have all their audio at once, so from handing it over) to the first non-empty text. **Word emission**: per word of the final transcript, from the end of its audio (word k of n taken to end k/n through its segment: no word timings) to the first text of its segment with that many words; median and 90th percentile over the words.
- **Wall**: from the first chunk (a whole clip: from handing it over) to the complete transcript; a live stream includes the time the audio takes to arrive. **Load**: page side, worker start to ready, including a warm-up recognition of 1 s of silence (both engines).
- **CPU s per audio s**: CPU time of Chromium's renderer and GPU processes during the run (CDP SystemInfo) ÷ audio length: the work done, which other load on the machine barely changes, unlike RTF.
- **Peak JS heap**: page + worker (CDP Runtime.getHeapUsage, sampled every 500 ms). **Peak RSS**: the page's renderer process (WASM memory included) + the GPU process.
`;
}
