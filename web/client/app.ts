import { hc } from 'hono/client';
import type { ApiType } from '../../server/api.ts';
import { downloadBytes, findModel, parseManifest, PRECISIONS, type Manifest, type ModelEntry } from '../../models/manifest-schema.ts';
import type { LoadRequest, TranscriptEvent } from '../shared/asr-protocol.ts';
import { AudioInputError } from '../shared/audio/validate.ts';
import { DETECT_LANGUAGE } from '../shared/language-detection.ts';
import { languageOptions, reconcileSettings, sourceCodes, sourceOptions, targetCodes } from '../shared/language-options.ts';
import { audioBytes } from '../shared/ledger.ts';
import { variantFiles } from '../shared/model-storage.ts';
import type { SessionSettings } from '../shared/pipeline-types.ts';
import { DEFAULT_PLACEMENT_MODE } from '../shared/placement-policy.ts';
import { exportSession } from '../shared/session-export.ts';
import { newSession, settingsOf, withSettings } from '../shared/session-state.ts';
import { asrPlacement, asrStageRun } from '../shared/stage-summary.ts';
import { TranscriptBuilder } from '../shared/transcript-stitch.ts';
import { AbortError, AsrBridge } from './asr-bridge.ts';
import { decodeAudioFile } from './audio/decode-file.ts';
import { watchConnectivity } from './connectivity.ts';
import { browserDeviceState } from './device-state.ts';
import { startMicrophone, type MicrophoneSession } from './audio/microphone.ts';
import { ModelManager, usedModels } from './model-manager.ts';
import { registerServiceWorker } from './service-worker-registration.ts';
import { SessionController, type CreatePipeline } from './session-controller.ts';
import { openSessionDatabase, SessionStore } from './session-store.ts';
import { SessionView } from './session-view.ts';
import { download, SessionsList } from './sessions-list.ts';
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

interface Setup {
  manifest: Manifest;
  asrModel: ModelEntry;
}

async function fetchSetup(): Promise<Setup> {
  const api = hc<ApiType>('/');
  const configResponse = await api.api.config.$get();
  if (!configResponse.ok) throw new Error(`The server did not give its configuration (HTTP ${configResponse.status})`);
  const { asrModel } = await configResponse.json();
  const manifestResponse = await fetch('/models/manifest.json');
  if (!manifestResponse.ok) throw new Error(`The model list is missing (HTTP ${manifestResponse.status})`);
  const manifest = parseManifest(await manifestResponse.json());
  return { manifest, asrModel: findModel(manifest, asrModel) };
}

const sameSettings = (a: SessionSettings, b: SessionSettings) => a.sourceLanguage === b.sourceLanguage && a.targetLanguage === b.targetLanguage && a.mode === b.mode;

export interface AppOptions {
  /** Makes each session's translation pipeline; without one the app transcribes only. */
  createPipeline?: CreatePipeline;
}

/** The page controller: audio input to the ASR worker, final segments to the session and its translation pipeline, sessions to storage. */
export async function startApp(root: Document, options: AppOptions = {}): Promise<void> {
  registerServiceWorker(root);
  watchConnectivity(root);
  const view = new View(root);
  const sessionView = new SessionView(root);
  const sessionsList = new SessionsList(root);
  const bridge = new AsrBridge();
  view.setStatus('Loading the speech model…');
  view.setActivity('busy');
  const storeOpening = SessionStore.open(openSessionDatabase, (status) => sessionsList.showStatus(status));
  let setup: Setup;
  try {
    setup = await fetchSetup();
  } catch (error) {
    view.setStatus('The speech model could not be loaded.');
    view.showError(readable(error));
    return;
  }
  const { manifest, asrModel } = setup;
  const models = new ModelManager(root, usedModels(manifest, asrModel));
  void models.refresh();
  const store = await storeOpening;
  // A reload continues the session that changed last.
  const latest = store.list()[0];
  const initial = reconcileSettings(manifest, asrModel.id, latest ? settingsOf(latest) : { sourceLanguage: 'en', targetLanguage: '', mode: DEFAULT_PLACEMENT_MODE });
  const controller = new SessionController({
    manifest,
    createPipeline: options.createPipeline,
    store,
    record: latest ? withSettings(latest, initial, latest.updatedAt) : newSession(crypto.randomUUID(), initial, Date.now()),
  });

  let activity: 'idle' | 'recording' | 'busy' = 'busy';
  /** `recognition`: what the loaded worker was asked to recognise, as recognitionOf() gives it (JSON). */
  let asr: { recognition: string; placement: ReturnType<typeof asrPlacement> } | undefined;
  /** What the ASR worker is asked to recognise: a language, or detection among the languages the select offers. */
  const recognitionOf = (settings: SessionSettings): Pick<LoadRequest, 'language' | 'detectionCandidates'> =>
    settings.sourceLanguage === DETECT_LANGUAGE
      ? { language: DETECT_LANGUAGE, detectionCandidates: sourceCodes(manifest, asrModel.id, settings.mode) }
      : { language: settings.sourceLanguage };
  let transcript = new TranscriptBuilder();
  let microphone: MicrophoneSession | undefined;
  let cancel: AbortController | undefined;

  const renderSessions = () => sessionsList.render(store.list(), controller.record.id, activity !== 'idle');
  const setActivity = (next: typeof activity) => {
    activity = next;
    view.setActivity(next);
    renderSessions();
  };
  controller.onChange((snapshot) => {
    sessionView.render(snapshot);
    renderSessions();
  });

  const onEvent = (event: TranscriptEvent) => {
    const toSample = (seconds: number) => Math.round(seconds * SAMPLE_RATE);
    if (event.type === 'final') {
      transcript.finalize(event.segmentId, event.text, toSample(event.startSeconds), toSample(event.endSeconds), toSample(event.overlapSeconds));
      const { startSeconds, endSeconds } = event;
      const asrRun = asr && asrStageRun(asr.placement, endSeconds - startSeconds, event.realTimeFactor);
      const { detectedLanguage } = event;
      controller.addFinal({ segmentId: event.segmentId, text: transcript.segments().at(-1)!.text, startSeconds, endSeconds, ...(asrRun ? { asrRun } : {}), ...(detectedLanguage ? { detectedLanguage } : {}) });
    } else {
      transcript.setPartial(event.segmentId, event.text, toSample(event.overlapSeconds));
    }
    view.showRealTimeFactor(event.realTimeFactor);
    sessionView.showPartial(transcript.partialText());
  };

  /** (Re)loads the model for the session's spoken language. */
  async function load(): Promise<void> {
    const recognition = recognitionOf(settingsOf(controller.record));
    setActivity('busy');
    view.setStatus('Loading the speech model…');
    // Another language loads in a fresh worker: loading again in the old one would keep both models in memory.
    bridge.terminate();
    try {
      const request: LoadRequest = { modelId: asrModel.id, ...overrides(root.location.search), availablePrecisions: PRECISIONS.filter((p) => asrModel.variants[p]), files: variantFiles(asrModel), ...recognition };
      const loaded = await bridge.load(request, (progress) => view.showLoadProgress(progress));
      const modelBytes = downloadBytes(asrModel, loaded.precision) ?? 0;
      const device = await browserDeviceState().read();
      asr = { recognition: JSON.stringify(recognition), placement: asrPlacement({ backend: loaded.backend, modelBytes, mode: controller.record.mode, device, now: Date.now() }) };
      sessionView.showAsr(asr.placement);
      view.showModel(loaded);
      view.setStatus(loaded.fallbackReason ? `Ready. ${loaded.fallbackReason}.` : 'Ready');
      setActivity('idle');
    } catch (error) {
      view.setStatus('The speech model could not be loaded.');
      view.showError(readable(error));
    }
  }

  /** Shows settings the manifest can serve, gives them to the session, and reloads the model for a new spoken language. */
  function applySettings(requested: SessionSettings): void {
    const settings = reconcileSettings(manifest, asrModel.id, requested);
    view.showSettings(settings, sourceOptions(manifest, asrModel.id, settings.mode), languageOptions(targetCodes(manifest, settings.mode, settings.sourceLanguage)));
    if (!sameSettings(settings, settingsOf(controller.record))) controller.setSettings(settings);
    if (asr && asr.recognition !== JSON.stringify(recognitionOf(settings))) void load();
  }

  function begin(): AbortSignal {
    transcript = new TranscriptBuilder();
    controller.beginStream();
    view.showError(undefined);
    cancel = new AbortController();
    view.setCancellable(true);
    return cancel.signal;
  }

  function finish(status: string): void {
    cancel = undefined;
    view.setCancellable(false);
    view.setRecording(false);
    setActivity('idle');
    view.setStatus(status);
    sessionView.showPartial('');
  }

  async function startRecording(): Promise<void> {
    const signal = begin();
    setActivity('recording');
    try {
      await bridge.startStream(onEvent, (message) => view.showError(`Recognition failed: ${message}`), signal);
      const onChunk = (chunk: Float32Array) => {
        controller.addCapturedAudio(audioBytes(chunk.length));
        bridge.pushAudio(chunk);
      };
      microphone = await startMicrophone({ onChunk, signal });
      view.setRecording(true);
      view.setStatus('Listening…');
    } catch (error) {
      await bridge.endStream().catch(() => undefined);
      finish(error instanceof AbortError ? 'Cancelled' : 'Ready');
      if (!(error instanceof AbortError)) view.showError(readable(error));
    }
  }

  /** Drops a recording: the microphone stops, and the worker goes with the audio it still holds (it comes back on the next use). */
  async function cancelRecording(session: MicrophoneSession): Promise<void> {
    await session.stop().catch(() => undefined);
    bridge.terminate();
    finish('Cancelled');
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
    setActivity('busy');
    view.setStatus(`Reading ${file.name}…`);
    try {
      const audio = await decodeAudioFile(file, { maxSeconds: MAX_FILE_SECONDS });
      controller.addCapturedAudio(audioBytes(audio.samples.length));
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
  view.clear.addEventListener('click', () => void controller.remove(controller.record.id));
  view.newSession.addEventListener('click', () => controller.startNew());
  view.cancel.addEventListener('click', () => {
    const session = microphone;
    microphone = undefined;
    cancel?.abort();
    if (session) void cancelRecording(session);
  });
  view.onSettingsChange(applySettings);
  sessionsList.onAction((action, id) => {
    if (action === 'delete') return void controller.remove(id);
    const record = store.get(id);
    if (!record) return;
    if (action === 'open') {
      controller.open(record);
      applySettings(settingsOf(record));
    } else download(root, exportSession(record, action));
  });
  // Coalesced writes still waiting go out before the page goes away.
  root.defaultView?.addEventListener('pagehide', () => void store.flush());
  applySettings(initial);
  await load();
}
