import { hc } from 'hono/client';
import type { ApiType } from '../../server/api.ts';
import { findModel, parseManifest, type Manifest, type ModelEntry } from '../../contract/manifest-schema.ts';
import type { LoadRequest } from '../shared/asr-protocol.ts';
import { DETECT_LANGUAGE } from '../shared/language-detection.ts';
import { languageOptions, reconcileSettings, sourceCodes, sourceOptions, targetCodes } from '../shared/language-options.ts';
import type { SessionSettings } from '../shared/pipeline-types.ts';
import { DEFAULT_PLACEMENT_MODE } from '../shared/placement-policy.ts';
import { exportSession } from '../shared/session-export.ts';
import { newSession, settingsOf, withSettings } from '../shared/session-state.ts';
import { AsrBridge } from './asr-bridge.ts';
import { decodeAudioFile } from './audio/decode-file.ts';
import { startMicrophone } from './audio/microphone.ts';
import { watchConnectivity } from './connectivity.ts';
import { DeviceModelsPanel, usedModels } from './device-models-panel.ts';
import { browserDeviceState } from './device-state.ts';
import { readableError, RecordingController, type RecognitionRequest } from './recording-controller.ts';
import { registerServiceWorker } from './service-worker-registration.ts';
import { SessionController, type CreatePipeline } from './session-controller.ts';
import { openSessionDatabase, SessionStore } from './session-store.ts';
import { SessionView } from './session-view.ts';
import { download, SessionsList } from './sessions-list.ts';
import { View } from './view.ts';

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

interface Setup {
  manifest: Manifest;
  asrModel: ModelEntry;
  liveAsrModel: ModelEntry | undefined;
}

async function fetchSetup(): Promise<Setup> {
  const api = hc<ApiType>('/');
  const configResponse = await api.api.config.$get();
  if (!configResponse.ok) throw new Error(`The server did not give its configuration (HTTP ${configResponse.status})`);
  const { asrModel, liveAsrModel } = await configResponse.json();
  const manifestResponse = await fetch('/models/manifest.json');
  if (!manifestResponse.ok) throw new Error(`The model list is missing (HTTP ${manifestResponse.status})`);
  const manifest = parseManifest(await manifestResponse.json());
  return { manifest, asrModel: findModel(manifest, asrModel), liveAsrModel: liveAsrModel === null ? undefined : findModel(manifest, liveAsrModel) };
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
    view.showError(readableError(error));
    return;
  }
  const { manifest, asrModel, liveAsrModel } = setup;
  const models = new DeviceModelsPanel(root, usedModels(manifest, asrModel, liveAsrModel));
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

  /** What the ASR worker is asked to recognise: a language, or detection among the languages the select offers. */
  const recognitionOf = (settings: SessionSettings): RecognitionRequest =>
    settings.sourceLanguage === DETECT_LANGUAGE
      ? { language: DETECT_LANGUAGE, detectionCandidates: sourceCodes(manifest, asrModel.id, settings.mode) }
      : { language: settings.sourceLanguage };
  const recorder = new RecordingController({
    asrModel,
    ...(liveAsrModel ? { liveAsrModel } : {}),
    overrides: overrides(root.location.search),
    bridge,
    session: controller,
    view: {
      setStatus: (text) => view.setStatus(text),
      setActivity: (activity) => {
        view.setActivity(activity);
        renderSessions();
      },
      showError: (message) => view.showError(message),
      showLoadProgress: (progress) => view.showLoadProgress(progress),
      showModel: (model) => view.showModel(model),
      showAsr: (shown) => sessionView.showAsr(shown),
      setCancellable: (cancellable) => view.setCancellable(cancellable),
      setRecording: (recording) => view.setRecording(recording),
      showRealTimeFactor: (realTimeFactor) => view.showRealTimeFactor(realTimeFactor),
      showPartial: (text) => sessionView.showPartial(text),
    },
    startMicrophone,
    decodeAudioFile,
    readDevice: () => browserDeviceState().read(),
  });

  const renderSessions = () => sessionsList.render(store.list(), controller.record.id, recorder.activity !== 'idle');
  controller.onChange((snapshot) => {
    sessionView.render(snapshot);
    renderSessions();
  });
  const load = () => recorder.load(recognitionOf(settingsOf(controller.record)));

  /** Shows settings the manifest can serve, gives them to the session, and reloads the model for a new spoken language. */
  function applySettings(requested: SessionSettings): void {
    const settings = reconcileSettings(manifest, asrModel.id, requested);
    view.showSettings(settings, sourceOptions(manifest, asrModel.id, settings.mode), languageOptions(targetCodes(manifest, settings.mode, settings.sourceLanguage)));
    if (!sameSettings(settings, settingsOf(controller.record))) controller.setSettings(settings);
    if (recorder.needsReload(recognitionOf(settings))) void load();
  }

  view.record.addEventListener('click', () => void recorder.toggleRecording());
  view.fileInput.addEventListener('change', () => {
    const file = view.fileInput.files?.[0];
    view.fileInput.value = '';
    if (file) void recorder.transcribeFile(file);
  });
  view.clear.addEventListener('click', () => void controller.remove(controller.record.id));
  view.newSession.addEventListener('click', () => controller.startNew());
  view.cancel.addEventListener('click', () => recorder.cancel());
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
