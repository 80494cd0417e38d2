import { hc } from 'hono/client';
import type { ApiType } from '../../server/api.ts';
import { findModel, parseManifest, PRECISIONS } from '../../models/manifest-schema.ts';
import type { LoadRequest, TranscriptEvent } from '../shared/asr-protocol.ts';
import { AudioInputError } from '../shared/audio/validate.ts';
import { joinNonEmpty, TranscriptBuilder } from '../shared/transcript-stitch.ts';
import { AbortError, AsrBridge } from './asr-bridge.ts';
import { decodeAudioFile } from './audio/decode-file.ts';
import { startMicrophone, type MicrophoneSession } from './audio/microphone.ts';
import { View } from './view.ts';

const MAX_FILE_SECONDS = 60 * 60;
const SAMPLE_RATE = 16_000;

/** `?backend=wasm|webgpu` and `?threads=N` override the automatic choice (for comparisons and tests). */
function overrides(search: string): Pick<LoadRequest, 'backend' | 'threads'> {
  const params = new URLSearchParams(search);
  const backend = params.get('backend');
  const threads = Number(params.get('threads'));
  return {
    backend: backend === 'webgpu' || backend === 'wasm' ? backend : 'auto',
    ...(Number.isInteger(threads) && threads > 0 ? { threads } : {}),
  };
}

function readable(error: unknown): string {
  if (error instanceof AudioInputError) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  return `Something went wrong: ${message}`;
}

async function modelRequest(search: string): Promise<LoadRequest> {
  const api = hc<ApiType>('/');
  const configResponse = await api.api.config.$get();
  if (!configResponse.ok) throw new Error(`The server did not give its configuration (HTTP ${configResponse.status})`);
  const { asrModel } = await configResponse.json();
  const manifestResponse = await fetch('/models/manifest.json');
  if (!manifestResponse.ok) throw new Error(`The model list is missing (HTTP ${manifestResponse.status})`);
  const model = findModel(parseManifest(await manifestResponse.json()), asrModel);
  return {
    modelId: model.id,
    ...overrides(search),
    availablePrecisions: PRECISIONS.filter((p) => model.variants[p]),
    language: 'en',
  };
}

/** The page controller: wires audio input to the ASR worker and results to the view. */
export async function startApp(root: Document): Promise<void> {
  const view = new View(root);
  const bridge = new AsrBridge();
  let transcript = new TranscriptBuilder();
  /** Text of earlier recordings and files: a new one adds to the transcript, it never replaces it. */
  let earlierText = '';
  let microphone: MicrophoneSession | undefined;
  let cancel: AbortController | undefined;

  const fullText = () => joinNonEmpty([earlierText, transcript.text()], '\n');
  const render = () => view.showTranscript(joinNonEmpty([earlierText, transcript.finalText()], '\n'), transcript.partialText());
  const onEvent = (event: TranscriptEvent) => {
    const toSample = (seconds: number) => Math.round(seconds * SAMPLE_RATE);
    if (event.type === 'final') transcript.finalize(event.segmentId, event.text, toSample(event.startSeconds), toSample(event.endSeconds), toSample(event.overlapSeconds));
    else transcript.setPartial(event.segmentId, event.text, toSample(event.overlapSeconds));
    view.showRealTimeFactor(event.realTimeFactor);
    render();
  };

  async function load(): Promise<void> {
    view.setStatus('Loading the speech model…');
    view.setInputsEnabled(false);
    try {
      const request = await modelRequest(root.location.search);
      const loaded = await bridge.load(request, (progress) => view.showLoadProgress(progress));
      view.showModel(loaded);
      view.setStatus(loaded.fallbackReason ? `Ready. ${loaded.fallbackReason}.` : 'Ready');
      view.setInputsEnabled(true);
    } catch (error) {
      view.setStatus('The speech model could not be loaded.');
      view.showError(readable(error));
    }
  }

  function begin(): AbortSignal {
    earlierText = fullText();
    transcript = new TranscriptBuilder();
    view.showError(undefined);
    cancel = new AbortController();
    view.setCancellable(true);
    return cancel.signal;
  }

  function finish(status: string): void {
    cancel = undefined;
    view.setCancellable(false);
    view.setRecording(false);
    view.setInputsEnabled(true);
    view.setStatus(status);
  }

  async function startRecording(): Promise<void> {
    const signal = begin();
    view.fileInput.disabled = true;
    try {
      await bridge.startStream(onEvent, (message) => view.showError(`Recognition failed: ${message}`), signal);
      microphone = await startMicrophone({ onChunk: (chunk) => bridge.pushAudio(chunk), signal });
      view.setRecording(true);
      view.setStatus('Listening…');
    } catch (error) {
      await bridge.endStream().catch(() => undefined);
      finish('Ready');
      if (!(error instanceof AbortError)) view.showError(readable(error));
    }
  }

  async function stopRecording(): Promise<void> {
    const session = microphone;
    microphone = undefined;
    view.setRecording(false);
    view.setStatus('Finishing the transcript…');
    try {
      await session?.stop();
      const summary = await bridge.endStream(cancel?.signal);
      if (summary.audioSeconds > 0) view.showRealTimeFactor(summary.computeSeconds / summary.audioSeconds);
      finish(summary.segments > 0 ? 'Ready' : 'Ready. No speech was heard.');
    } catch (error) {
      finish('Ready');
      if (!(error instanceof AbortError)) view.showError(readable(error));
    }
  }

  async function transcribeFile(file: File): Promise<void> {
    const signal = begin();
    view.setInputsEnabled(false);
    view.setStatus(`Reading ${file.name}…`);
    try {
      const audio = await decodeAudioFile(file, { maxSeconds: MAX_FILE_SECONDS });
      view.setStatus(`Transcribing ${file.name}…`);
      const summary = await bridge.transcribeClip(audio.samples, onEvent, signal);
      if (summary.audioSeconds > 0) view.showRealTimeFactor(summary.computeSeconds / summary.audioSeconds);
      finish(summary.segments > 0 ? 'Ready' : 'Ready. No speech was heard in the file.');
    } catch (error) {
      finish(error instanceof AbortError ? 'Cancelled' : 'Ready');
      if (!(error instanceof AbortError)) view.showError(readable(error));
    }
  }

  view.record.addEventListener('click', () => void (microphone ? stopRecording() : startRecording()));
  view.fileInput.addEventListener('change', () => {
    const file = view.fileInput.files?.[0];
    view.fileInput.value = '';
    if (file) void transcribeFile(file);
  });
  view.clear.addEventListener('click', () => {
    earlierText = '';
    transcript = new TranscriptBuilder();
    render();
  });
  view.cancel.addEventListener('click', () => {
    void microphone?.stop();
    microphone = undefined;
    cancel?.abort();
  });
  await load();
}
