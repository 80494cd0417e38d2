import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PRECISIONS, findModel, type Manifest, type ModelEntry, type ModelFile, type Precision } from '../contract/manifest-schema.ts';

/** The pure parts of `npm run models:fetch`: arguments, URLs, which files to fetch, progress lines, error messages. */

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

export const usage = `Usage: npm run models:fetch -- [--model ID] [--precision fp32,q8,...] [--models-dir DIR] [--record]
  --model       the hub model to fetch (default: every model with source "hub")
  --precision   comma-separated variants to fetch (default: every variant in the manifest)
  --models-dir  where the manifest and model folders are (default: models/)
  --record      record the fetched files' sizes and SHA-256 in the manifest
Environment: HF_ENDPOINT changes the hub address, HF_TOKEN is sent as a bearer token.`;

/** A problem the user can fix by changing the command line or the manifest; printed without a stack. */
export class FetchError extends Error {
  override name = 'FetchError';
}

export interface FetchOptions {
  model: string | undefined;
  precisions: Precision[] | undefined;
  modelsDir: string;
  record: boolean;
  help: boolean;
}

export function parseFetchArgs(argv: string[], defaultModelsDir: string): FetchOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        model: { type: 'string' },
        precision: { type: 'string' },
        'models-dir': { type: 'string', default: defaultModelsDir },
        record: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw new FetchError(`${error instanceof Error ? error.message : String(error)}\n${usage}`);
  }
  return {
    model: values.model,
    precisions: values.precision === undefined ? undefined : parsePrecisions(values.precision),
    modelsDir: values['models-dir'],
    record: values.record,
    help: values.help,
  };
}

function parsePrecisions(list: string): Precision[] {
  const names = list.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const unknown = names.filter((name) => !(PRECISIONS as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new FetchError(`Unknown --precision "${unknown.join(',') || list}": choose from ${PRECISIONS.join(', ')}`);
  }
  return [...new Set(names as Precision[])];
}

/** The hub address: HF_ENDPOINT when set, without a trailing slash. */
export function hubEndpoint(env: Record<string, string | undefined>): string {
  const endpoint = env.HF_ENDPOINT?.trim() || DEFAULT_ENDPOINT;
  try {
    new URL(endpoint);
  } catch {
    throw new FetchError(`HF_ENDPOINT "${endpoint}" is not a URL`);
  }
  return endpoint.replace(/\/+$/, '');
}

export function fileUrl(endpoint: string, modelId: string, revision: string, path: string): string {
  const encode = (value: string) => value.split('/').map(encodeURIComponent).join('/');
  return `${endpoint}/${encode(modelId)}/resolve/${encodeURIComponent(revision)}/${encode(path)}`;
}

export interface PlannedFile extends ModelFile {
  url: string;
  destination: string;
}

export interface ModelPlan {
  model: ModelEntry;
  precisions: Precision[];
  files: PlannedFile[];
}

/** Which files of which hub models to fetch, and where from and to. */
export function planFetch(manifest: Manifest, options: Pick<FetchOptions, 'model' | 'precisions' | 'modelsDir'>, endpoint: string): ModelPlan[] {
  const models = options.model === undefined ? manifest.models.filter((m) => m.source.type === 'hub') : [findModel(manifest, options.model)];
  if (models.length === 0) throw new FetchError('The manifest lists no models with source "hub"; nothing to fetch');
  return models.map((model) => {
    const source = model.source;
    if (source.type !== 'hub') {
      throw new FetchError(`${model.id} is generated, not downloaded: run npm run models:generate -- --size ${source.size}`);
    }
    const available = PRECISIONS.filter((p) => model.variants[p]);
    const precisions = options.precisions ?? available;
    const missing = precisions.filter((p) => !model.variants[p]);
    if (missing.length > 0) throw new FetchError(`${model.id} has no ${missing.join(', ')} variant (it has ${available.join(', ')})`);
    const files = new Map<string, ModelFile>();
    for (const file of [...model.files, ...precisions.flatMap((p) => model.variants[p]!.files)]) files.set(file.path, file);
    return {
      model,
      precisions,
      files: [...files.values()].map((file) => ({
        ...file,
        url: fileUrl(endpoint, model.id, source.revision, file.path),
        destination: join(options.modelsDir, model.id, file.path),
      })),
    };
  });
}

export type LocalVerdict = 'absent' | 'up-to-date' | 'stale' | 'unverifiable';

/**
 * Whether a file already on disk can be kept. The caller hashes it only when the manifest records a
 * sha256; with neither sha256 nor bytes recorded, only the hub's Content-Length can tell.
 */
export function judgeLocalFile(expected: ModelFile, local: { bytes: number; sha256?: string } | undefined): LocalVerdict {
  if (!local) return 'absent';
  if (expected.sha256) return local.sha256 === expected.sha256 ? 'up-to-date' : 'stale';
  if (expected.bytes !== undefined) return local.bytes === expected.bytes ? 'up-to-date' : 'stale';
  return 'unverifiable';
}

/** The manifest with sizes and checksums recorded for one model's files (matched by path). */
export function withRecordedFiles(manifest: Manifest, modelId: string, recorded: Required<ModelFile>[]): Manifest {
  const byPath = new Map(recorded.map((file) => [file.path, file]));
  const update = (files: ModelFile[]) => files.map((file) => {
    const found = byPath.get(file.path);
    return found ? { path: file.path, bytes: found.bytes, sha256: found.sha256 } : file;
  });
  return {
    ...manifest,
    models: manifest.models.map((model) => model.id !== modelId ? model : {
      ...model,
      files: update(model.files),
      variants: Object.fromEntries(Object.entries(model.variants).map(([precision, variant]) => [precision, { files: update(variant.files) }])),
    }),
  };
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

export function formatProgress(path: string, received: number, total: number | undefined, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? `${formatBytes((received * 1000) / elapsedMs)}/s` : '…';
  if (total === undefined || total === 0) return `${path}: ${formatBytes(received)}, ${rate}`;
  const percent = Math.floor((received / total) * 100);
  return `${path}: ${formatBytes(received)} of ${formatBytes(total)} (${percent}%), ${rate}`;
}

/** The one line printed when the hub cannot be reached at all. */
export function unreachableMessage(origin: string, detail: string): string {
  return `Cannot reach ${origin} (${detail}). models:fetch needs internet access; tests and benchmarks use npm run models:generate instead.`;
}

/** The most specific description Node's fetch gives of a network failure ("getaddrinfo ENOTFOUND host"). */
export function networkErrorDetail(error: unknown): string {
  const cause: unknown = error instanceof Error && error.cause !== undefined ? error.cause : error;
  if (cause instanceof AggregateError && cause.errors.length > 0) return networkErrorDetail(cause.errors[0]);
  if (cause instanceof Error) return cause.message || (cause as NodeJS.ErrnoException).code || cause.name;
  return String(cause);
}

export function httpErrorMessage(url: string, status: number, statusText: string): string {
  const hint =
    status === 401 || status === 403 ? ': the model may be gated or private; set HF_TOKEN to a token with access'
    : status === 404 ? ': check the model id, revision and file path in the manifest'
    : '';
  return `${url} returned ${status}${statusText ? ` ${statusText}` : ''}${hint}`;
}
