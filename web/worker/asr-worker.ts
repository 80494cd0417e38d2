import * as Comlink from 'comlink';
import { pipeline, type AutomaticSpeechRecognitionPipeline } from '@huggingface/transformers';
import type { AsrWorkerApi, LoadRequest, LoadedModel, LoadProgress, Recognition, StreamSummary, TranscriptListener } from '../shared/asr-protocol.ts';
import { transcribeSegments } from '../shared/clip-transcription.ts';
import { SpeechSegmenter, type FinalSegmentEvent, type SegmenterEvent } from '../shared/segmenter.ts';
import { TranscriptionScheduler } from '../shared/transcription-scheduler.ts';
import type { ExecutionChoice } from '../shared/variant-choice.ts';
import { recogniseBatch } from './batched-recognition.ts';
import { errorMessage, openWithFallback } from './onnx-runtime-setup.ts';
import { recogniseSpeech, type RecognitionLanguage } from './speech-recognition.ts';
import { SAMPLE_RATE } from '../shared/audio/sample-rate.ts';

const CLIP_CHUNK_SAMPLES = SAMPLE_RATE;

/**
 * Whisper pads every input to a 30 s window, so each recognition costs a full window whatever its
 * length. A live stream closes segments at short pauses to show text soon; a whole clip packs
 * speech into windows of up to 28 s instead, so a clip costs about one window per 28 s of audio.
 */
const CLIP_SEGMENTATION = { partialIntervalSamples: Number.POSITIVE_INFINITY, minSilenceMs: 3_000, maxSegmentSeconds: 28 };
/**
 * A live model that encodes only the audio there is (Moonshine) pays for each partial in proportion to the
 * segment so far, so segments are kept short and partials come every half second: the first words show
 * within a second of speech onset, and the scheduler's pacing skips partials when recognition falls behind.
 */
const LIVE_MODEL_SEGMENTATION = { maxSegmentSeconds: 9, partialIntervalSamples: 8_000 };
/**
 * Whisper windows of an opened file encoded and decoded together (see recogniseBatch): larger on a GPU, which has
 * the parallelism to spare; bench:asr's wasm-mt-file against plain is where these sizes are to be tuned.
 */
const FILE_BATCH = { webgpu: 4, wasm: 2 } as const;

class AsrWorker implements AsrWorkerApi {
  private recogniser: AutomaticSpeechRecognitionPipeline | undefined;
  /** The model for recordings, when it is not `recogniser`. */
  private liveRecogniser: AutomaticSpeechRecognitionPipeline | undefined;
  private language: RecognitionLanguage = { language: 'en' };
  private fileBatchSize: number = FILE_BATCH.wasm;
  private stream: { segmenter: SpeechSegmenter; scheduler: TranscriptionScheduler } | undefined;

  async load(request: LoadRequest, onProgress: (progress: LoadProgress) => void): Promise<LoadedModel> {
    const started = performance.now();
    const { opened, execution, threads, fallbackReason } = await openWithFallback(request, onProgress, (choice) => this.create(request.modelId, choice));
    this.recogniser = opened;
    this.fileBatchSize = FILE_BATCH[execution.backend];
    this.language = { language: request.language ?? 'en', ...(request.detectionCandidates ? { candidates: request.detectionCandidates } : {}) };
    const warmUp = new Float32Array(CLIP_CHUNK_SAMPLES);
    await this.recognise(warmUp, opened); // warm-up: compiles kernels before the first real audio
    const liveProblem = request.live && (await this.openLive(request, request.live, onProgress, warmUp));
    const reasons = [fallbackReason, liveProblem].filter(Boolean).join('; ');
    return {
      modelId: request.modelId,
      ...execution,
      threads,
      loadSeconds: (performance.now() - started) / 1000,
      ...(reasons ? { fallbackReason: reasons } : {}),
      ...(this.liveRecogniser && request.live ? { liveModelId: request.live.modelId } : {}),
    };
  }

  /** Opens the live model; where it cannot be (offline and never downloaded, say), recordings use the main model. */
  private async openLive(request: LoadRequest, live: NonNullable<LoadRequest['live']>, onProgress: (progress: LoadProgress) => void, warmUp: Float32Array) {
    this.liveRecogniser = undefined;
    try {
      const { opened } = await openWithFallback({ ...request, ...live }, onProgress, (choice) => this.create(live.modelId, choice));
      await this.recognise(warmUp, opened);
      this.liveRecogniser = opened;
      return undefined;
    } catch (error) {
      return `the live model could not be loaded (${errorMessage(error)}), so recordings use ${request.modelId}`;
    }
  }

  private async create(modelId: string, choice: ExecutionChoice) {
    return pipeline('automatic-speech-recognition', modelId, { device: choice.backend, dtype: choice.precision });
  }

  private async recognise(audio: Float32Array, recogniser = this.recogniser): Promise<Recognition> {
    if (!recogniser) throw new Error('No speech recognition model is loaded');
    return recogniseSpeech(recogniser, audio, this.language);
  }

  startStream(onEvent: TranscriptListener, onError: (message: string) => void): void {
    if (this.stream) throw new Error('A recording or file is already being transcribed');
    const recogniser = this.liveRecogniser ?? this.recogniser;
    const segmenter = new SpeechSegmenter(this.liveRecogniser ? LIVE_MODEL_SEGMENTATION : {});
    const scheduler = new TranscriptionScheduler((audio) => this.recognise(audio, recogniser), onEvent, (error) => onError(errorMessage(error)));
    this.stream = { segmenter, scheduler };
  }

  pushAudio(chunk: Float32Array): void {
    if (!this.stream) throw new Error('No recording is in progress');
    for (const event of this.stream.segmenter.push(chunk)) this.stream.scheduler.handle(event);
  }

  async endStream(): Promise<StreamSummary> {
    const stream = this.stream;
    if (!stream) throw new Error('No recording is in progress');
    try {
      for (const event of stream.segmenter.end()) stream.scheduler.handle(event);
      return await stream.scheduler.idle();
    } finally {
      this.stream = undefined;
    }
  }

  async transcribeClip(audio: Float32Array, onEvent: TranscriptListener): Promise<StreamSummary> {
    const recogniser = this.recogniser;
    if (!recogniser) throw new Error('No speech recognition model is loaded');
    if (this.stream) throw new Error('A recording or file is already being transcribed');
    const segmenter = new SpeechSegmenter(CLIP_SEGMENTATION);
    const segments: FinalSegmentEvent[] = [];
    const keepFinals = (events: SegmenterEvent[]) => events.forEach((event) => event.type === 'final' && segments.push(event));
    for (let offset = 0; offset < audio.length; offset += CLIP_CHUNK_SAMPLES) keepFinals(segmenter.push(audio.subarray(offset, offset + CLIP_CHUNK_SAMPLES)));
    keepFinals(segmenter.end());
    return transcribeSegments(segments, (audios) => recogniseBatch(recogniser, audios, this.language), this.fileBatchSize, onEvent);
  }
}

Comlink.expose(new AsrWorker());
