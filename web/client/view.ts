import type { LoadedModel, LoadProgress } from '../shared/asr-protocol.ts';

function element<T extends HTMLElement>(root: Document, id: string): T {
  const found = root.getElementById(id);
  if (!found) throw new Error(`The page is missing #${id}`);
  return found as T;
}

const BACKEND_LABELS = { webgpu: 'WebGPU', wasm: 'WebAssembly' } as const;

/** All DOM writes of the app, so the controller holds no markup. */
export class View {
  readonly record: HTMLButtonElement;
  readonly fileInput: HTMLInputElement;
  readonly cancel: HTMLButtonElement;
  readonly clear: HTMLButtonElement;
  private readonly status: HTMLElement;
  private readonly progress: HTMLProgressElement;
  private readonly progressText: HTMLElement;
  private readonly backend: HTMLElement;
  private readonly rtf: HTMLElement;
  private readonly listening: HTMLElement;
  private readonly error: HTMLElement;
  private readonly finalText: HTMLElement;
  private readonly partialText: HTMLElement;
  private readonly fileProgress = new Map<string, LoadProgress>();

  constructor(root: Document) {
    this.record = element(root, 'record');
    this.fileInput = element(root, 'file-input');
    this.cancel = element(root, 'cancel');
    this.clear = element(root, 'clear');
    this.status = element(root, 'status');
    this.progress = element(root, 'load-progress');
    this.progressText = element(root, 'load-progress-text');
    this.backend = element(root, 'backend');
    this.rtf = element(root, 'rtf');
    this.listening = element(root, 'listening');
    this.error = element(root, 'error');
    const transcript = element(root, 'transcript');
    this.finalText = transcript.querySelector<HTMLElement>('.final')!;
    this.partialText = transcript.querySelector<HTMLElement>('.partial')!;
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

  setInputsEnabled(enabled: boolean): void {
    this.record.disabled = !enabled;
    this.fileInput.disabled = !enabled;
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

  showTranscript(finalText: string, partialText: string): void {
    this.finalText.textContent = finalText;
    this.partialText.textContent = partialText;
  }

  showError(message: string | undefined): void {
    this.error.hidden = !message;
    this.error.textContent = message ?? '';
  }
}
