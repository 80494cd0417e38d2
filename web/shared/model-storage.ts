import { filesFor, PRECISIONS, type ModelEntry, type Precision } from '../../contract/manifest-schema.ts';
import { formatBytes } from './format-bytes.ts';

/** One file of a model variant as the downloader and the models cache see it. */
export interface ModelFileRef {
  /** Root-relative URL, which is also the file's key in the models cache (transformers.js's localPath). */
  url: string;
  /** From the manifest; absent where it does not say. */
  bytes?: number;
}

export function modelFileUrl(modelId: string, path: string): string {
  return `/models/${modelId}/${path}`;
}

/** The prefix of every cache key of a model's files, in any precision. */
export function modelUrlPrefix(modelId: string): string {
  return modelFileUrl(modelId, '');
}

/** The files of each precision a model offers, for the workers to download the one they choose. */
export function variantFiles(model: ModelEntry): Partial<Record<Precision, ModelFileRef[]>> {
  const available = PRECISIONS.filter((precision) => model.variants[precision]);
  return Object.fromEntries(
    available.map((precision) => [precision, filesFor(model, precision).map((file) => ({ url: modelFileUrl(model.id, file.path), ...(file.bytes === undefined ? {} : { bytes: file.bytes }) }))]),
  );
}

export function totalBytes(files: readonly ModelFileRef[]): number {
  return files.reduce((sum, file) => sum + (file.bytes ?? 0), 0);
}

/** "sotto/whisper-tiny-random" → "sotto-whisper-tiny-random", for element ids. */
export function modelSlug(modelId: string): string {
  return modelId.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

export function formatDuration(seconds: number): string {
  const whole = Math.max(1, Math.ceil(seconds));
  if (whole < 60) return `${whole} s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes} min ${whole % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export interface StorageEstimateLike {
  quota?: number;
  usage?: number;
}

/** The bytes this origin may still store, or undefined where the browser does not say. */
export function freeBytes(estimate: StorageEstimateLike): number | undefined {
  return estimate.quota === undefined ? undefined : Math.max(0, estimate.quota - (estimate.usage ?? 0));
}

/** A message when `neededBytes` do not fit in what the browser still allows this origin. */
export function storageShortfall(estimate: StorageEstimateLike, neededBytes: number): string | undefined {
  const free = freeBytes(estimate);
  if (free === undefined || free >= neededBytes) return undefined;
  return `Not enough storage: needs ${formatBytes(neededBytes, 'fixed')}, ${formatBytes(free, 'fixed')} free`;
}

export function storageSummary(estimate: StorageEstimateLike): string {
  const free = freeBytes(estimate);
  const used = `${formatBytes(estimate.usage ?? 0, 'fixed')} used`;
  return free === undefined ? `Storage: ${used}` : `Storage: ${used}, ${formatBytes(free, 'fixed')} available`;
}

/** "12 MB of 40 MB · 9 s left": the time left from the average rate so far, once there is one. */
export function progressText(loadedBytes: number, totalBytes: number, elapsedMs: number): string {
  const amounts = `${formatBytes(loadedBytes, 'fixed')} of ${formatBytes(totalBytes, 'fixed')}`;
  if (loadedBytes <= 0 || elapsedMs <= 0 || loadedBytes >= totalBytes) return amounts;
  const bytesPerMs = loadedBytes / elapsedMs;
  return `${amounts} · ${formatDuration((totalBytes - loadedBytes) / bytesPerMs / 1000)} left`;
}
