import type { LoadedModel, LoadProgress } from '../shared/asr-protocol.ts';
import type { LanguageOption } from '../shared/language-options.ts';
import type { SessionSettings } from '../shared/pipeline-types.ts';
import type { PlacementMode } from '../shared/placement-policy.ts';
import { BACKEND_LABELS } from '../shared/stage-summary.ts';

export function element<T extends HTMLElement>(root: Document, id: string): T {
  const found = root.getElementById(id);
  if (!found) throw new Error(`The page is missing #${id}`);
  return found as T;
}

function fillSelect(select: HTMLSelectElement, options: readonly LanguageOption[], value: string): void {
  const codes = options.map((option) => option.code).join();
  if ([...select.options].map((option) => option.value).join() !== codes) {
    select.replaceChildren(...options.map(({ code, name }) => new Option(name, code)));
  }
  select.value = value;
}

/** The DOM writes of the model status, the inputs and the settings, so the controller holds no markup. */
export class View {
  readonly record: HTMLButtonElement;
  readonly fileInput: HTMLInputElement;
  readonly cancel: HTMLButtonElement;
  readonly clear: HTMLButtonElement;
  readonly newSession: HTMLButtonElement;
  readonly sourceLanguage: HTMLSelectElement;
  readonly targetLanguage: HTMLSelectElement;
  readonly placementMode: HTMLSelectElement;
  private readonly status: HTMLElement;
  private readonly progress: HTMLProgressElement;
  private readonly progressText: HTMLElement;
  private readonly backend: HTMLElement;
  private readonly rtf: HTMLElement;
  private readonly listening: HTMLElement;
  private readonly error: HTMLElement;
  private readonly fileProgress = new Map<string, LoadProgress>();

  constructor(root: Document) {
    this.record = element(root, 'record');
    this.fileInput = element(root, 'file-input');
    this.cancel = element(root, 'cancel');
    this.clear = element(root, 'clear');
    this.newSession = element(root, 'new-session');
    this.sourceLanguage = element(root, 'source-language');
    this.targetLanguage = element(root, 'target-language');
    this.placementMode = element(root, 'placement-mode');
    this.status = element(root, 'status');
    this.progress = element(root, 'load-progress');
    this.progressText = element(root, 'load-progress-text');
    this.backend = element(root, 'backend');
    this.rtf = element(root, 'rtf');
    this.listening = element(root, 'listening');
    this.error = element(root, 'error');
  }

  setStatus(text: string): void {
    this.status.textContent = text;
  }

  showLoadProgress(progress: LoadProgress): void {
    this.fileProgress.set(progress.file, progress);
    let loaded = 0;
    let total = 0;
    for (const file of this.fileProgress.values()) {
      if (file.done) continue;
      loaded += file.loadedBytes;
      total += file.totalBytes;
    }
    this.progress.hidden = total === 0;
    this.progress.value = total > 0 ? loaded / total : 1;
    this.progressText.textContent = total > 0 ? `${(loaded / 1e6).toFixed(1)} of ${(total / 1e6).toFixed(1)} MB` : '';
  }

  showModel(model: LoadedModel): void {
    this.fileProgress.clear();
    this.progress.hidden = true;
    this.progressText.textContent = '';
    const threads = model.backend === 'wasm' ? ` · ${model.threads} thread${model.threads === 1 ? '' : 's'}` : '';
    this.backend.textContent = `${BACKEND_LABELS[model.backend]} · ${model.precision}${threads}`;
    this.backend.dataset.backend = model.backend;
    this.backend.title = model.fallbackReason ?? `Speech recognition runs on this device (${model.modelId}), loaded in ${model.loadSeconds.toFixed(1)} s`;
  }

  showRealTimeFactor(rtf: number): void {
    this.rtf.textContent = `RTF ${rtf.toFixed(2)}`;
  }

  /**
   * While the model loads or audio is transcribed ('busy') nothing starts; while recording only the
   * record button (to stop) works. A new language reloads the model, a new session would split one.
   */
  setActivity(activity: 'idle' | 'recording' | 'busy'): void {
    for (const input of [this.fileInput, this.sourceLanguage, this.clear, this.newSession]) input.disabled = activity !== 'idle';
    this.record.disabled = activity === 'busy';
  }

  showSettings(settings: SessionSettings, sources: readonly LanguageOption[], targets: readonly LanguageOption[]): void {
    fillSelect(this.sourceLanguage, sources, settings.sourceLanguage);
    fillSelect(this.targetLanguage, targets, settings.targetLanguage);
    this.placementMode.value = settings.mode;
  }

  settings(): SessionSettings {
    return { sourceLanguage: this.sourceLanguage.value, targetLanguage: this.targetLanguage.value, mode: this.placementMode.value as PlacementMode };
  }

  onSettingsChange(listener: (settings: SessionSettings) => void): void {
    for (const select of [this.sourceLanguage, this.targetLanguage, this.placementMode]) select.addEventListener('change', () => listener(this.settings()));
  }

  setRecording(recording: boolean): void {
    this.record.textContent = recording ? 'Stop recording' : 'Start recording';
    this.record.setAttribute('aria-pressed', String(recording));
    this.listening.dataset.state = recording ? 'listening' : 'idle';
    this.listening.textContent = recording ? 'Listening…' : '';
  }

  setCancellable(cancellable: boolean): void {
    this.cancel.hidden = !cancellable;
  }

  showError(message: string | undefined): void {
    this.error.hidden = !message;
    this.error.textContent = message ?? '';
  }
}
