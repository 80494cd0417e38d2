import { findModel, PRECISIONS, type Manifest, type ModelEntry, type Precision } from '../../contract/manifest-schema.ts';
import { deviceCapabilities } from '../browser/device-capabilities.ts';
import { cachedPrecision, deleteModelFiles, downloadModelFiles, MODELS_CHANGED_CHANNEL } from '../browser/model-cache.ts';
import { formatBytes } from '../shared/format-bytes.ts';
import { modelSlug, progressText, storageShortfall, storageSummary, totalBytes, variantFiles, type ModelFileRef } from '../shared/model-storage.ts';
import { chooseExecution } from '../shared/variant-choice.ts';
import { element } from './view.ts';

interface Row {
  model: ModelEntry;
  variants: Partial<Record<Precision, ModelFileRef[]>>;
  state: HTMLElement;
  progress: HTMLElement;
  download: HTMLButtonElement;
  remove: HTMLButtonElement;
}

function button(root: Document, text: string): HTMLButtonElement {
  const made = root.createElement('button');
  made.type = 'button';
  made.className = 'small';
  made.textContent = text;
  return made;
}

/**
 * The models this page uses: its ASR model, the live model for recordings where the server names one (the page
 * downloads it with the ASR model), and, where the manifest names one, the on-device translation model.
 */
export function usedModels(manifest: Manifest, asrModel: ModelEntry, liveAsrModel?: ModelEntry): { role: string; model: ModelEntry }[] {
  const device = manifest.defaults.translation?.device;
  return [
    { role: 'Speech recognition', model: asrModel },
    ...(liveAsrModel && liveAsrModel.id !== asrModel.id ? [{ role: 'Live speech recognition (recordings)', model: liveAsrModel }] : []),
    ...(device ? [{ role: 'Translation on this device', model: findModel(manifest, device) }] : []),
  ];
}

/** The #model-manager panel: which models are on this device, their size, and downloading or deleting them. */
export class DeviceModelsPanel {
  private readonly rows: Row[];
  private readonly summary: HTMLElement;
  private readonly warning: HTMLElement;
  private persistAsked = false;

  constructor(root: Document, models: readonly { role: string; model: ModelEntry }[]) {
    const list = element(root, 'model-list');
    this.summary = element(root, 'storage-estimate');
    this.warning = element(root, 'model-warning');
    this.rows = models.map(({ role, model }) => this.addRow(root, list, role, model));
    new BroadcastChannel(MODELS_CHANGED_CHANNEL).addEventListener('message', () => void this.refresh());
  }

  private addRow(root: Document, list: HTMLElement, role: string, model: ModelEntry): Row {
    const slug = modelSlug(model.id);
    const span = (text: string, id?: string) => {
      const made = root.createElement('span');
      made.textContent = text;
      if (id) made.id = id;
      return made;
    };
    const row: Row = {
      model,
      variants: variantFiles(model),
      state: span('', `model-state-${slug}`),
      progress: span('', `model-progress-${slug}`),
      download: button(root, 'Download'),
      remove: button(root, 'Delete'),
    };
    row.download.addEventListener('click', () => void this.download(row));
    row.remove.addEventListener('click', () => void this.remove(row));
    const item = root.createElement('li');
    item.append(span(`${role}: ${model.id}`), row.state, row.progress, row.download, row.remove);
    list.append(item);
    return row;
  }

  /** Re-reads the cache and the storage estimate; asks for persistent storage once a model is on this device. */
  async refresh(): Promise<void> {
    this.summary.textContent = storageSummary(await this.estimate());
    const cached = await Promise.all(this.rows.map(async (row) => this.show(row, await cachedPrecision(row.variants))));
    if (cached.some(Boolean)) await this.persist();
  }

  private async show(row: Row, cached: Precision | undefined): Promise<boolean> {
    const precision = cached ?? (await this.precisionFor(row.model));
    const size = formatBytes(totalBytes(row.variants[precision] ?? []), 'fixed');
    row.state.textContent = cached ? `On this device (${cached}, ${size})` : `Not on this device (${precision}, ${size})`;
    row.state.dataset.cached = String(Boolean(cached));
    row.download.hidden = Boolean(cached);
    row.remove.hidden = !cached;
    return Boolean(cached);
  }

  /** The precision the model workers will choose on this device. */
  private async precisionFor(model: ModelEntry): Promise<Precision> {
    return chooseExecution('auto', await deviceCapabilities(), PRECISIONS.filter((p) => model.variants[p])).precision;
  }

  private async download(row: Row): Promise<void> {
    const files = row.variants[await this.precisionFor(row.model)] ?? [];
    const needed = totalBytes(files);
    const shortfall = storageShortfall(await this.estimate(), needed);
    this.warning.textContent = shortfall ?? '';
    this.warning.hidden = !shortfall;
    if (shortfall) return;
    row.download.disabled = true;
    const started = performance.now();
    const loaded = new Map<string, number>();
    try {
      await downloadModelFiles(files, (progress) => {
        loaded.set(progress.file, progress.loadedBytes);
        const sum = [...loaded.values()].reduce((a, b) => a + b, 0);
        row.progress.textContent = progressText(sum, needed, performance.now() - started);
      });
      row.progress.textContent = '';
    } catch (error) {
      row.progress.textContent = '';
      this.warning.textContent = `Download failed: ${error instanceof Error ? error.message : String(error)}`;
      this.warning.hidden = false;
    } finally {
      row.download.disabled = false;
      await this.refresh();
    }
  }

  private async remove(row: Row): Promise<void> {
    await deleteModelFiles(row.model.id);
    await this.refresh();
  }

  private async estimate(): Promise<StorageEstimate> {
    return (await navigator.storage?.estimate?.().catch(() => undefined)) ?? {};
  }

  private async persist(): Promise<void> {
    if (this.persistAsked || !navigator.storage?.persist) return;
    this.persistAsked = true;
    if (!(await navigator.storage.persisted())) await navigator.storage.persist();
  }
}
