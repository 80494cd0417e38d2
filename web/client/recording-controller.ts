import { downloadBytes, PRECISIONS, type ModelEntry } from '../../contract/manifest-schema.ts';
import type { LoadedModel, LoadProgress, LoadRequest, StreamSummary, TranscriptEvent } from '../shared/asr-protocol.ts';
import { SAMPLE_RATE } from '../shared/audio/sample-rate.ts';
import { AudioInputError } from '../shared/audio/validate.ts';
import { audioBytes } from '../shared/ledger.ts';
import { variantFiles } from '../shared/model-storage.ts';
import type { FinalSegment, SessionRecord } from '../shared/pipeline-types.ts';
import type { DeviceState } from '../shared/placement-policy.ts';
import { asrPlacement, asrStageRun, type StageShown } from '../shared/stage-summary.ts';
import { TranscriptBuilder, type LiveText } from '../shared/transcript-stitch.ts';
import { AbortError, type AsrBridge } from './asr-bridge.ts';
import type { decodeAudioFile } from './audio/decode-file.ts';
import type { MicrophoneSession, startMicrophone } from './audio/microphone.ts';

const MAX_FILE_SECONDS = 60 * 60;

export type Activity = 'idle' | 'recording' | 'busy';

/** What the ASR worker is asked to recognise: a language, or detection among some languages. */
export type RecognitionRequest = Pick<LoadRequest, 'language' | 'detectionCandidates'>;

/** The page's writes that recording, files and model loading make. */
export interface RecordingView {
  setStatus(text: string): void;
  setActivity(activity: Activity): void;
  showError(message: string | undefined): void;
  showLoadProgress(progress: LoadProgress): void;
  showModel(model: LoadedModel): void;
  showAsr(shown: StageShown): void;
  setCancellable(cancellable: boolean): void;
  setRecording(recording: boolean): void;
  showRealTimeFactor(realTimeFactor: number): void;
  showPartial(text: LiveText): void;
}

/** The session the transcript goes to (SessionController). */
export interface RecordingSession {
  readonly record: Pick<SessionRecord, 'mode'>;
  beginStream(): void;
  addFinal(segment: FinalSegment): void;
  addCapturedAudio(bytes: number): void;
}

export interface RecordingControllerOptions {
  asrModel: ModelEntry;
  /** The model for recordings (SOTTO_LIVE_ASR_MODEL, from /api/config), used where it knows the spoken language. */
  liveAsrModel?: ModelEntry;
  /** Backend and thread overrides for every load (the page's `?backend=` and `?threads=`). */
  overrides: Pick<LoadRequest, 'backend' | 'threads'>;
  bridge: Pick<AsrBridge, 'load' | 'terminate' | 'startStream' | 'pushAudio' | 'endStream' | 'transcribeClip'>;
  session: RecordingSession;
  view: RecordingView;
  startMicrophone: typeof startMicrophone;
  decodeAudioFile: typeof decodeAudioFile;
  readDevice: () => Promise<DeviceState>;
  now?: () => number;
}

export function readableError(error: unknown): string {
  if (error instanceof AudioInputError) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  return `Something went wrong: ${message}`;
}

/** The live model takes part only for a language it knows: it cannot detect one, and Moonshine knows English alone. */
function liveModelFor(model: ModelEntry | undefined, { language }: RecognitionRequest): Pick<LoadRequest, 'live'> {
  if (!model || language === undefined || !model.languages.includes(language)) return {};
  return { live: { modelId: model.id, availablePrecisions: PRECISIONS.filter((precision) => model.variants[precision]), files: variantFiles(model) } };
}

const toSample = (seconds: number) => Math.round(seconds * SAMPLE_RATE);

/**
 * Loading the speech model, a recording (start, stop, cancel) and an opened file: audio to the ASR worker,
 * its events into the transcript and the session, and what the page shows meanwhile.
 */
export class RecordingController {
  #activity: Activity = 'busy';
  /** `recognition`: what the loaded worker was asked to recognise (JSON). */
  #asr: { recognition: string; placement: ReturnType<typeof asrPlacement> } | undefined;
  #transcript = new TranscriptBuilder();
  #microphone: MicrophoneSession | undefined;
  #cancel: AbortController | undefined;

  constructor(private readonly options: RecordingControllerOptions) {}

  get activity(): Activity {
    return this.#activity;
  }

  get recording(): boolean {
    return this.#microphone !== undefined;
  }

  /** True once a model is loaded for a recognition other than this one: the caller then reloads. */
  needsReload(recognition: RecognitionRequest): boolean {
    return this.#asr !== undefined && this.#asr.recognition !== JSON.stringify(recognition);
  }

  /** (Re)loads the model for a spoken language, or for detection. */
  async load(recognition: RecognitionRequest): Promise<void> {
    const { asrModel, bridge, view } = this.options;
    this.#setActivity('busy');
    view.setStatus('Loading the speech model…');
    // Another language loads in a fresh worker: loading again in the old one would keep both models in memory.
    bridge.terminate();
    try {
      const request: LoadRequest = {
        modelId: asrModel.id,
        ...this.options.overrides,
        availablePrecisions: PRECISIONS.filter((precision) => asrModel.variants[precision]),
        files: variantFiles(asrModel),
        ...recognition,
        ...liveModelFor(this.options.liveAsrModel, recognition),
      };
      const loaded = await bridge.load(request, (progress) => view.showLoadProgress(progress));
      const modelBytes = downloadBytes(asrModel, loaded.precision) ?? 0;
      const device = await this.options.readDevice();
      const placement = asrPlacement({ backend: loaded.backend, modelBytes, mode: this.options.session.record.mode, device, now: (this.options.now ?? Date.now)() });
      this.#asr = { recognition: JSON.stringify(recognition), placement };
      view.showAsr(placement);
      view.showModel(loaded);
      view.setStatus(loaded.fallbackReason ? `Ready. ${loaded.fallbackReason}.` : 'Ready');
      this.#setActivity('idle');
    } catch (error) {
      view.setStatus('The speech model could not be loaded.');
      view.showError(readableError(error));
    }
  }

  /** Starts a recording, or stops the one running. */
  toggleRecording(): Promise<void> {
    return this.#microphone ? this.#stopRecording() : this.#startRecording();
  }

  /** Drops the recording or file in progress: the microphone stops, and the worker goes with the audio it still holds. */
  cancel(): void {
    const session = this.#microphone;
    this.#microphone = undefined;
    this.#cancel?.abort();
    if (!session) return;
    void session
      .stop()
      .catch(() => undefined)
      .then(() => {
        this.options.bridge.terminate();
        this.#finish('Cancelled');
      });
  }

  async transcribeFile(file: File): Promise<void> {
    const { bridge, view, session } = this.options;
    const signal = this.#begin();
    this.#setActivity('busy');
    view.setStatus(`Reading ${file.name}…`);
    try {
      const audio = await this.options.decodeAudioFile(file, { maxSeconds: MAX_FILE_SECONDS });
      session.addCapturedAudio(audioBytes(audio.samples.length));
      view.setStatus(`Transcribing ${file.name}…`);
      const summary = await bridge.transcribeClip(audio.samples, (event) => this.#onEvent(event), signal);
      this.#showSummary(summary);
      this.#finish(summary.segments > 0 ? 'Ready' : 'Ready. No speech was heard in the file.');
    } catch (error) {
      this.#fail(error);
    }
  }

  async #startRecording(): Promise<void> {
    const { bridge, view, session } = this.options;
    const signal = this.#begin();
    this.#setActivity('recording');
    try {
      await bridge.startStream((event) => this.#onEvent(event), (message) => view.showError(`Recognition failed: ${message}`), signal);
      const onChunk = (chunk: Float32Array) => {
        session.addCapturedAudio(audioBytes(chunk.length));
        bridge.pushAudio(chunk);
      };
      this.#microphone = await this.options.startMicrophone({ onChunk, signal });
      view.setRecording(true);
      view.setStatus('Listening…');
    } catch (error) {
      await bridge.endStream().catch(() => undefined);
      this.#fail(error);
    }
  }

  async #stopRecording(): Promise<void> {
    const { bridge, view } = this.options;
    const microphone = this.#microphone;
    this.#microphone = undefined;
    view.setRecording(false);
    view.setStatus('Finishing the transcript…');
    try {
      await microphone?.stop();
      const summary = await bridge.endStream(this.#cancel?.signal);
      this.#showSummary(summary);
      this.#finish(summary.segments > 0 ? 'Ready' : 'Ready. No speech was heard.');
    } catch (error) {
      this.#finish('Ready');
      if (!(error instanceof AbortError)) view.showError(readableError(error));
    }
  }

  #onEvent(event: TranscriptEvent): void {
    const { view, session } = this.options;
    if (event.type === 'final') {
      const { startSeconds, endSeconds, detectedLanguage } = event;
      this.#transcript.finalize(event.segmentId, event.text, toSample(startSeconds), toSample(endSeconds), toSample(event.overlapSeconds));
      const asrRun = this.#asr && asrStageRun(this.#asr.placement, endSeconds - startSeconds, event.realTimeFactor);
      const text = this.#transcript.segments().at(-1)!.text;
      session.addFinal({ segmentId: event.segmentId, text, startSeconds, endSeconds, ...(asrRun ? { asrRun } : {}), ...(detectedLanguage ? { detectedLanguage } : {}) });
    } else {
      this.#transcript.setPartial(event.segmentId, event.text, toSample(event.overlapSeconds), event.committedText);
    }
    view.showRealTimeFactor(event.realTimeFactor);
    view.showPartial(this.#transcript.partialParts());
  }

  #begin(): AbortSignal {
    this.#transcript = new TranscriptBuilder();
    this.options.session.beginStream();
    this.options.view.showError(undefined);
    this.#cancel = new AbortController();
    this.options.view.setCancellable(true);
    return this.#cancel.signal;
  }

  #showSummary(summary: StreamSummary): void {
    if (summary.audioSeconds > 0) this.options.view.showRealTimeFactor(summary.computeSeconds / summary.audioSeconds);
  }

  /** A recording or file that ended in an error (or was cancelled, which is no error to show). */
  #fail(error: unknown): void {
    this.#finish(error instanceof AbortError ? 'Cancelled' : 'Ready');
    if (!(error instanceof AbortError)) this.options.view.showError(readableError(error));
  }

  #finish(status: string): void {
    const { view } = this.options;
    this.#cancel = undefined;
    view.setCancellable(false);
    view.setRecording(false);
    this.#setActivity('idle');
    view.setStatus(status);
    view.showPartial({ committed: '', tentative: '' });
  }

  #setActivity(activity: Activity): void {
    this.#activity = activity;
    this.options.view.setActivity(activity);
  }
}
