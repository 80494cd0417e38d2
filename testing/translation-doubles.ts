import type { Precision, TranslationModelEntry } from '../contract/manifest-schema.ts';
import type { PoolStats } from '../server/translation/inference-pool.ts';
import type { CatalogModel } from '../server/translation/model-catalog.ts';
import type { InferenceBackend } from '../server/translation/loaded-models.ts';
import type { TranslateRequest, TranslationService } from '../server/translation/service.ts';
import type { LoadSpec, Loaded, TranslateJob, Translations } from '../server/translation/worker-protocol.ts';

/** Test doubles shared by the engine and API tests: no worker threads, no model files. */

export function catalogModel(
  id: string,
  options: {
    languages?: string[];
    directions?: TranslationModelEntry['directions'];
    languageCodes?: Record<string, string>;
    onDisk?: Partial<Record<Precision, number>>;
  } = {},
): CatalogModel {
  const languages = options.languages ?? ['en', 'de'];
  const directions = options.directions ?? [{ source: languages[0]!, target: languages[1]! }];
  const entry: TranslationModelEntry = {
    id,
    task: 'translation',
    architecture: options.languageCodes ? 'm2m100' : 'marian',
    source: { type: 'hub', revision: 'main' },
    languages,
    placement: ['server'],
    files: [{ path: 'config.json' }],
    variants: { q8: { files: [{ path: 'onnx/model_quantized.onnx' }] } },
    directions,
    ...(options.languageCodes && { languageCodes: options.languageCodes }),
  };
  const pairs =
    directions === 'any-to-any'
      ? languages.flatMap((source) => languages.filter((target) => target !== source).map((target) => ({ source, target })))
      : directions;
  return { entry, version: `v-${id}`, directions: pairs, onDisk: options.onDisk ?? { q8: 100 } };
}

/** Translates by tagging each text with the target code; batches can be held back and released by hand. */
export class FakeBackend implements InferenceBackend {
  readonly jobs: TranslateJob[] = [];
  readonly loads: LoadSpec[] = [];
  readonly unloads: string[] = [];
  /** When set, batches wait until release() is called. */
  hold = false;
  failLoad: Error | undefined;
  readonly #held: (() => void)[] = [];

  constructor(readonly size = 1) {}

  async load(spec: LoadSpec): Promise<Loaded> {
    this.loads.push(spec);
    await Promise.resolve();
    if (this.failLoad) throw this.failLoad;
    return { provider: 'cpu', precision: spec.precisions[0]!, failures: [], loadMs: 1 };
  }

  async unload(modelId: string): Promise<void> {
    this.unloads.push(modelId);
  }

  /** Tags each text with the target; a beam search (`beams` > 1) also gives `beams - 1` alternatives, tagged #1, #2… */
  async translate(job: TranslateJob): Promise<Translations> {
    this.jobs.push(job);
    if (this.hold) await new Promise<void>((resolve) => this.#held.push(resolve));
    const outputs = job.texts.map((text) => `${job.tgtLang ?? 'tr'}:${text}`);
    const others = (job.beams ?? 1) - 1;
    return { outputs, ...(others > 0 && { alternatives: outputs.map((output) => Array.from({ length: others }, (_, i) => `${output}#${i + 1}`)) }) };
  }

  /** Lets every held batch finish. */
  release(): void {
    for (const resume of this.#held.splice(0)) resume();
  }

  stats(): PoolStats {
    return { workers: [{ state: 'ready', busy: this.#held.length > 0, models: [] }], restarts: 0 };
  }

  async stop(): Promise<void> {}
}

/** A TranslationService that records requests and tags each segment with the target; override any method. */
export function fakeTranslationService(overrides: Partial<TranslationService> = {}): TranslationService & { requests: TranslateRequest[] } {
  const requests: TranslateRequest[] = [];
  return {
    requests,
    async translate(request) {
      requests.push(request);
      return {
        translations: request.segments.map((segment) => `${request.target}:${segment}`),
        model: { id: 'sotto/fake', version: 'v1' },
        timings: { queuedMs: 1, computeMs: 2, totalMs: 3 },
        cached: 0,
        computeSeconds: 0.002,
      };
    },
    models: () => [
      {
        id: 'sotto/fake',
        version: 'v1',
        architecture: 'marian',
        languages: ['en', 'de'],
        directions: [{ source: 'en', target: 'de' }],
        status: 'ready',
        provider: 'cpu',
        precision: 'q8',
        memoryBytes: 100,
      },
    ],
    languages: () => [
      { code: 'de', targets: [] },
      { code: 'en', targets: ['de'] },
    ],
    stats: () => ({
      cache: { entries: 0, capacity: 10, hits: 0, misses: 0, hitRate: 0, deduplicated: 0 },
      queue: { queued: 0, maxQueued: 10, batchesInFlight: 0, drainRatePerSecond: undefined },
      workers: { workers: [], restarts: 0 },
    }),
    ...overrides,
  };
}
