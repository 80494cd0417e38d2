import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { ModelEntry } from '../contract/manifest-schema.ts';
import { repoRoot } from '../server/config.ts';
import { variantFiles } from '../web/shared/model-storage.ts';
import { BENCH_CONFIGS, selectConfigs, type BenchConfig } from './bench-configs.ts';
import { ensureGeneratedModel, presentPrecisions, readModel, REAL_WEIGHTS_MODEL, realWeightsPresent } from './bench-models.ts';
import { buildBenchPage, startBenchServer } from './bench-server.ts';
import { parseBenchOptions, usage, type BenchOptions } from './cli-options.ts';
import { ConfigSession, type ConfigResult } from './config-session.ts';
import { isSoftwareAdapter } from '../web/shared/variant-choice.ts';
import { machineInfo, type MachineInfo } from './machine-info.ts';
import { markdownReport, markdownTables, medianFirstTextAfterOnset, ratios, summarise, werTable } from './report.ts';
import { loadAverage } from './server/host-info.ts';
import { busyAtStart } from './server/validity.ts';
import { readSpeechClips, selectClips, type SpeechClip } from './speech-clips.ts';

/**
 * `npm run bench:asr`: on-device speech recognition in headless Chromium, through the app's own
 * bridge and worker, per configuration and clip, against a plain transformers.js pipeline.
 * Writes bench/results/asr.json and asr.md and prints the tables.
 */

const CHUNK_MS = 100; // what the app's microphone path delivers
const resultsDir = join(repoRoot, 'bench', 'results');
const WER_SKIPPED = 'skipped: real weights not present (run npm run models:fetch)';

function chooseConfigs(options: BenchOptions, machine: MachineInfo): { configs: BenchConfig[]; note?: string } {
  if (options.configs) return { configs: selectConfigs(options.configs) };
  if (machine.webgpuAdapter && !isSoftwareAdapter(machine.webgpuAdapter)) return { configs: [...BENCH_CONFIGS] };
  const why = machine.webgpuAdapter ? `the WebGPU adapter is ${machine.webgpuAdapter.architecture || machine.webgpuAdapter.vendor}, a CPU emulation` : 'there is no WebGPU adapter';
  const note = `webgpu left out by default: ${why} (name it in --configs to measure it anyway; it takes minutes per recognition).`;
  return { configs: BENCH_CONFIGS.filter((c) => c.id !== 'webgpu'), note };
}

/**
 * Every configuration loads first and then they take turns on each clip, so that load from the rest
 * of the machine, which comes and goes, falls on all of them alike.
 */
const targetOf = (model: ModelEntry) => ({ modelId: model.id, availablePrecisions: presentPrecisions(model), files: variantFiles(model) });

async function measureModel(url: string, model: ModelEntry, live: ModelEntry | undefined, configs: readonly BenchConfig[], clips: readonly SpeechClip[], options: BenchOptions): Promise<ConfigResult[]> {
  const target = targetOf(model);
  const liveTarget = live && targetOf(live);
  const sessions: ConfigSession[] = [];
  try {
    for (const config of configs) {
      const streamed = config.engine.kind === 'sotto' && config.engine.input === 'stream';
      sessions.push(await ConfigSession.open(url, config, target, options.configTimeoutSeconds, streamed ? liveTarget : undefined));
    }
    for (let attempt = 0; attempt < options.repeat; attempt++) {
      for (const clip of clips) {
        const spec = { clip: clip.file, wavBase64: readFileSync(clip.path).toString('base64'), chunkMs: CHUNK_MS, speed: options.speed };
        for (const session of sessions) await session.run(spec);
      }
    }
  } finally {
    await Promise.all(sessions.map((session) => session.close()));
  }
  return sessions.map((session) => session.result);
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2));
  if (options.help) return console.log(usage);
  const startLoad = loadAverage();
  const busy = busyAtStart(startLoad, availableParallelism());
  if (busy && !options.force) throw new Error(`${busy}: timings would be invalid. Run on a quiet machine, or with --force for results marked invalid.`);
  const model = readModel(options.model);
  ensureGeneratedModel(model);
  const live = options.liveModel === null ? undefined : readModel(options.liveModel);
  if (live) ensureGeneratedModel(live);
  // Random weights transcribe nonsense: word error rate needs the real model, run in addition.
  const real = realWeightsPresent() ? readModel(REAL_WEIGHTS_MODEL) : undefined;
  const models = real && real.id !== model.id ? [model, real] : [model];
  const werModels = new Set(real ? [real.id] : []);
  const clips = selectClips(readSpeechClips(), options.clips);

  await buildBenchPage();
  const server = await startBenchServer(model.id);
  const results: ConfigResult[] = [];
  let machine: MachineInfo;
  let configNote: string | undefined;
  try {
    machine = await machineInfo(server.url);
    const chosen = chooseConfigs(options, machine);
    configNote = chosen.note;
    if (configNote) console.log(configNote);
    for (const entry of models) results.push(...(await measureModel(server.url, entry, live, chosen.configs, clips, options)));
  } finally {
    await server.close();
  }

  const references = new Map(clips.map((clip) => [clip.file, clip.transcript]));
  const wer = werTable(results, references, werModels);
  const werNote = werModels.size
    ? `${[...werModels].join(', ')}: see the WER column (normalised: lowercase, no punctuation; word-level Levenshtein).`
    : WER_SKIPPED;
  const rows = summarise(results, wer);
  const ratioRows = ratios(rows);
  const tables = markdownTables(rows, ratioRows);
  const settingsLine = [
    `Clips ${clips.map((c) => c.file).join(', ')}; streamed configurations get ${CHUNK_MS} ms chunks at ${options.speed}× real time; ${options.repeat} run(s) per clip, medians shown.`,
    ...(busy ? [`INVALID: ${busy} (--force).`] : []),
    `wasm-1t / wasm-mt / webgpu: the app as a live recording (AsrBridge startStream/pushAudio/endStream → ASR worker: segmenter, scheduler, partials${live ? `, live model ${live.id}` : ''}).`,
    'wasm-mt-file: the app as an opened file (AsrBridge.transcribeClip); wasm-mt-file-detect: the same with the spoken language detected per segment. plain: a transformers.js pipeline on the whole clip, chunk_length_s 30, stride_length_s 5.',
    ...(configNote ? [configNote] : []),
  ].join(' ');

  mkdirSync(resultsDir, { recursive: true });
  const json = {
    valid: !busy,
    loadAverage: startLoad,
    /** The median over clips of the default live configuration (wasm-mt) of the first model. */
    firstTextAfterSpeechOnsetS: medianFirstTextAfterOnset(rows, model.id, 'wasm-mt'),
    machine,
    settings: {
      chunkMs: CHUNK_MS,
      speed: options.speed,
      repeat: options.repeat,
      configTimeoutSeconds: options.configTimeoutSeconds,
      clips: clips.map((c) => c.file),
      models: models.map((m) => m.id),
      liveModel: live?.id ?? null,
      configs: [...new Set(results.map((r) => r.config))],
      note: configNote ?? null,
    },
    summary: rows,
    ratios: ratioRows,
    wer: werModels.size ? wer : WER_SKIPPED,
    results,
  };
  writeFileSync(join(resultsDir, 'asr.json'), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(resultsDir, 'asr.md'), markdownReport(machine, settingsLine, tables, werNote));
  console.log(`\n${tables}\n\nWER: ${werNote}\nWritten: bench/results/asr.json, bench/results/asr.md`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
