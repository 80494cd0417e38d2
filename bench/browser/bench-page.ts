import * as Comlink from 'comlink';
import { AsrBridge } from '../../web/client/asr-bridge.ts';
import { decodeAudioFile } from '../../web/client/audio/decode-file.ts';
import type { StreamSummary, TranscriptEvent } from '../../web/shared/asr-protocol.ts';
import { SpeechSegmenter } from '../../web/shared/segmenter.ts';
import { TranscriptBuilder } from '../../web/shared/transcript-stitch.ts';
import { firstTextAfterOnset, wordEmissionLatencies, type ShownText } from './emission-latency.ts';
import {
  BENCH_GLOBAL, type AdapterInfo, type BenchPageApi, type Engine, type LoadResult, type LoadSpec, type PlainPipelineApi, type RunResult, type RunSpec,
} from './bench-protocol.ts';
import { SAMPLE_RATE } from '../../web/shared/audio/sample-rate.ts';

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

/** What the app's transcript events add up to, timed from `start()`, transcript stitched as the app's page does. */
class EventTally {
  private started = 0;
  private partials = 0;
  private finals = 0;
  private finalComputeSeconds = 0;
  private firstPartial: number | null = null;
  private firstFinal: number | null = null;
  private readonly transcript = new TranscriptBuilder();
  private readonly shown: ShownText[] = [];

  readonly onEvent = (event: TranscriptEvent): void => {
    const { type, segmentId, text, startSeconds, endSeconds } = event;
    this.shown.push({ atSeconds: secondsSince(this.started), type, segmentId, text, startSeconds, endSeconds });
    if (event.type === 'partial') {
      this.partials += 1;
      this.firstPartial ??= secondsSince(this.started);
      this.transcript.setPartial(event.segmentId, event.text, toSample(event.overlapSeconds));
      return;
    }
    this.finals += 1;
    this.firstFinal ??= secondsSince(this.started);
    this.finalComputeSeconds += event.realTimeFactor * (event.endSeconds - event.startSeconds);
    this.transcript.finalize(event.segmentId, event.text, toSample(event.startSeconds), toSample(event.endSeconds), toSample(event.overlapSeconds));
  };

  /** Returns the start time. */
  start(): number {
    this.started = performance.now();
    return this.started;
  }

  /** `fed`: when the last audio went in; `speed`: the pace it went in at (a whole clip: all at once, infinitely fast). */
  result(audio: Float32Array, summary: StreamSummary, fed: number, speed: number): RunResult {
    const audioSamples = audio.length;
    const onset = speechOnsetSeconds(audio);
    return {
      audioSeconds: audioSamples / SAMPLE_RATE,
      wallSeconds: secondsSince(this.started),
      finalComputeSeconds: this.finalComputeSeconds,
      computeSeconds: summary.computeSeconds,
      firstPartialSeconds: this.firstPartial,
      firstFinalSeconds: this.firstFinal,
      afterAudioSeconds: secondsSince(fed),
      partials: this.partials,
      finals: this.finals,
      text: this.transcript.text(),
      speechOnsetSeconds: onset,
      firstTextAfterOnsetSeconds: onset === null ? null : firstTextAfterOnset(this.shown, onset, speed),
      wordEmissionSeconds: wordEmissionLatencies(this.shown, speed),
    };
  }
}

/** The first voiced frame as the app's segmenter finds it. */
function speechOnsetSeconds(audio: Float32Array): number | null {
  const segmenter = new SpeechSegmenter();
  segmenter.push(audio);
  return segmenter.firstSpeechSample === undefined ? null : segmenter.firstSpeechSample / SAMPLE_RATE;
}

/** Feeds the clip to the app's streaming path in microphone-sized chunks, paced like a live recording. */
async function streamClip(bridge: AsrBridge, audio: Float32Array, spec: RunSpec): Promise<RunResult> {
  const chunkSamples = toSample(spec.chunkMs / 1000);
  const tally = new EventTally();
  // A recognition error also rejects endStream, which is where it surfaces.
  await bridge.startStream(tally.onEvent, () => {});
  const started = tally.start();
  for (let offset = 0, index = 0; offset < audio.length; offset += chunkSamples, index += 1) {
    await delayUntil(started + (index * spec.chunkMs) / spec.speed);
    // slice, not subarray: pushAudio transfers the chunk's buffer.
    bridge.pushAudio(audio.slice(offset, offset + chunkSamples));
  }
  const fed = performance.now();
  return tally.result(audio, await bridge.endStream(), fed, spec.speed);
}

/** The app's opened-file path: the whole clip at once. */
async function fileClip(bridge: AsrBridge, audio: Float32Array): Promise<RunResult> {
  const tally = new EventTally();
  const kept = audio.slice(); // transcribeClip transfers (detaches) the buffer
  const fed = tally.start();
  return tally.result(kept, await bridge.transcribeClip(audio, tally.onEvent), fed, Number.POSITIVE_INFINITY);
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
      language: engine.language ?? 'en',
      ...(engine.threads === undefined ? {} : { threads: engine.threads }),
      ...(spec.live ? { live: spec.live } : {}),
    },
    () => {},
  );
  const loadSeconds = secondsSince(started);
  recogniser = engine.input === 'stream' ? (audio, runSpec) => streamClip(bridge, audio, runSpec) : (audio) => fileClip(bridge, audio);
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
    const kept = audio.slice();
    const audioSeconds = audio.length / SAMPLE_RATE;
    const runStarted = performance.now();
    const { text, computeSeconds } = await api.transcribe(Comlink.transfer(audio, [audio.buffer]));
    const wallSeconds = secondsSince(runStarted);
    const onset = speechOnsetSeconds(kept);
    // The whole clip is there from the start and nothing shows before the complete result.
    return {
      audioSeconds,
      wallSeconds,
      finalComputeSeconds: computeSeconds,
      computeSeconds,
      firstPartialSeconds: null,
      firstFinalSeconds: wallSeconds,
      afterAudioSeconds: wallSeconds,
      partials: 0,
      finals: 1,
      text,
      speechOnsetSeconds: onset,
      // All the audio is there from the start: the text appears when the whole clip is done.
      firstTextAfterOnsetSeconds: onset === null ? null : wallSeconds,
      wordEmissionSeconds: [],
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
