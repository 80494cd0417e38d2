import * as Comlink from 'comlink';
import { AsrBridge } from '../../web/client/asr-bridge.ts';
import { decodeAudioFile } from '../../web/client/audio/decode-file.ts';
import type { TranscriptEvent } from '../../web/shared/asr-protocol.ts';
import { TranscriptBuilder } from '../../web/shared/transcript-stitch.ts';
import {
  BENCH_GLOBAL, type AdapterInfo, type BenchPageApi, type Engine, type LoadResult, type LoadSpec, type PlainPipelineApi, type RunResult, type RunSpec,
} from './bench-protocol.ts';

const SAMPLE_RATE = 16_000;
const MAX_CLIP_SECONDS = 60 * 60;
// The driver interleaves configurations, so a worker may wait minutes for its next clip; the app's
// idle timeout would end it there and the next clip would pay for a reload. (Largest setTimeout delay.)
const NEVER_IDLE_MS = 2 ** 31 - 1;

type Recogniser = (audio: Float32Array, spec: RunSpec) => Promise<RunResult>;

let recogniser: Recogniser | undefined;

const secondsSince = (start: number) => (performance.now() - start) / 1000;
const toSample = (seconds: number) => Math.round(seconds * SAMPLE_RATE);

function delayUntil(time: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, time - performance.now())));
}

/** Through the app's file path (type check, decodeAudioData at 16 kHz, validation). */
async function decodeClip(spec: RunSpec): Promise<Float32Array> {
  const bytes = Uint8Array.from(atob(spec.wavBase64), (char) => char.charCodeAt(0));
  const file = new File([bytes], spec.clip, { type: 'audio/wav' });
  return (await decodeAudioFile(file, { maxSeconds: MAX_CLIP_SECONDS })).samples;
}

/** Feeds the clip to the app's streaming path in microphone-sized chunks, paced like a live recording. */
async function streamClip(bridge: AsrBridge, audio: Float32Array, spec: RunSpec): Promise<RunResult> {
  const chunkSamples = toSample(spec.chunkMs / 1000);
  const transcript = new TranscriptBuilder();
  const tally = { partials: 0, finals: 0, finalComputeSeconds: 0, firstPartial: null as number | null, firstFinal: null as number | null };
  let started = 0;
  const onEvent = (event: TranscriptEvent) => {
    if (event.type === 'partial') {
      tally.partials += 1;
      tally.firstPartial ??= secondsSince(started);
      transcript.setPartial(event.segmentId, event.text, toSample(event.overlapSeconds));
      return;
    }
    tally.finals += 1;
    tally.firstFinal ??= secondsSince(started);
    tally.finalComputeSeconds += event.realTimeFactor * (event.endSeconds - event.startSeconds);
    transcript.finalize(event.segmentId, event.text, toSample(event.startSeconds), toSample(event.endSeconds), toSample(event.overlapSeconds));
  };
  // A recognition error also rejects endStream, which is where it surfaces.
  await bridge.startStream(onEvent, () => {});
  started = performance.now();
  for (let offset = 0, index = 0; offset < audio.length; offset += chunkSamples, index += 1) {
    await delayUntil(started + (index * spec.chunkMs) / spec.speed);
    // slice, not subarray: pushAudio transfers the chunk's buffer.
    bridge.pushAudio(audio.slice(offset, offset + chunkSamples));
  }
  const fed = performance.now();
  const summary = await bridge.endStream();
  return {
    audioSeconds: audio.length / SAMPLE_RATE,
    wallSeconds: secondsSince(started),
    finalComputeSeconds: tally.finalComputeSeconds,
    computeSeconds: summary.computeSeconds,
    firstPartialSeconds: tally.firstPartial,
    firstFinalSeconds: tally.firstFinal,
    afterAudioSeconds: secondsSince(fed),
    partials: tally.partials,
    finals: tally.finals,
    text: transcript.text(),
  };
}

async function loadSotto(spec: LoadSpec, engine: Extract<Engine, { kind: 'sotto' }>): Promise<LoadResult> {
  const bridge = new AsrBridge(undefined, NEVER_IDLE_MS);
  const started = performance.now();
  const loaded = await bridge.load(
    {
      modelId: spec.modelId,
      backend: engine.backend,
      availablePrecisions: spec.availablePrecisions,
      files: spec.files,
      language: 'en',
      ...(engine.threads === undefined ? {} : { threads: engine.threads }),
    },
    () => {},
  );
  const loadSeconds = secondsSince(started);
  recogniser = (audio, runSpec) => streamClip(bridge, audio, runSpec);
  const { backend, precision, threads, fallbackReason } = loaded;
  return { backend, precision, threads, loadSeconds, ...(fallbackReason ? { fallbackReason } : {}) };
}

async function loadPlainPipeline(spec: LoadSpec): Promise<LoadResult> {
  const worker = new Worker(new URL('./worker/plain-pipeline-worker.ts', import.meta.url), { type: 'module', name: 'plain-pipeline' });
  const api = Comlink.wrap<PlainPipelineApi>(worker);
  const started = performance.now();
  const { precision, threads } = await api.load(spec.modelId);
  const loadSeconds = secondsSince(started);
  recogniser = async (audio) => {
    const audioSeconds = audio.length / SAMPLE_RATE;
    const runStarted = performance.now();
    const { text, computeSeconds } = await api.transcribe(Comlink.transfer(audio, [audio.buffer]));
    const wallSeconds = secondsSince(runStarted);
    // The whole clip is there from the start and nothing is shown before the complete result.
    return {
      audioSeconds,
      wallSeconds,
      finalComputeSeconds: computeSeconds,
      computeSeconds,
      firstPartialSeconds: wallSeconds,
      firstFinalSeconds: wallSeconds,
      afterAudioSeconds: wallSeconds,
      partials: 0,
      finals: 1,
      text,
    };
  };
  return { backend: 'wasm', precision, threads, loadSeconds };
}

interface Gpu {
  requestAdapter(): Promise<{ features: ReadonlySet<string>; info: Omit<AdapterInfo, 'features'> } | null>;
}

const api: BenchPageApi = {
  load(spec) {
    if (recogniser) throw new Error('One engine per page: open a new page for the next configuration');
    return spec.engine.kind === 'sotto' ? loadSotto(spec, spec.engine) : loadPlainPipeline(spec);
  },
  async run(spec) {
    if (!recogniser) throw new Error('Load an engine first');
    return recogniser(await decodeClip(spec), spec);
  },
  async webgpuAdapter() {
    const gpu = (navigator as Navigator & { gpu?: Gpu }).gpu;
    const adapter = await gpu?.requestAdapter();
    if (!adapter) return null;
    const { vendor, architecture, device, description } = adapter.info;
    return { vendor, architecture, device, description, features: [...adapter.features].sort() };
  },
};

Object.assign(globalThis, { [BENCH_GLOBAL]: api });
