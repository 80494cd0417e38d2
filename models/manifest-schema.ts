import { z } from 'zod';

/** One schema for models/manifest.json, shared by the web app, the server and the scripts. */

export const PRECISIONS = ['fp32', 'fp16', 'q8', 'q4'] as const;
export type Precision = (typeof PRECISIONS)[number];
export const TASKS = ['automatic-speech-recognition', 'translation'] as const;
export type ModelTask = (typeof TASKS)[number];

const modelId = z.string().regex(/^[A-Za-z0-9][\w.-]*\/[\w.-]+$/, 'must look like "owner/name"');
const relativePath = z
  .string()
  .regex(/^[\w.-]+(\/[\w.-]+)*$/, 'must be a relative path of letters, digits, ".", "_" and "-"')
  .refine((path) => !path.split('/').includes('..'), 'must not contain ".."');

const modelFile = z.object({
  path: relativePath,
  bytes: z.number().int().positive().optional(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits').optional(),
});
export type ModelFile = z.infer<typeof modelFile>;

const whisperDimensions = z.object({
  dModel: z.number().int().positive(),
  encoderLayers: z.number().int().positive(),
  decoderLayers: z.number().int().positive(),
  encoderHeads: z.number().int().positive(),
  decoderHeads: z.number().int().positive(),
  ffnDim: z.number().int().positive(),
  numMelBins: z.number().int().positive(),
  maxSourcePositions: z.number().int().positive(),
  maxTargetPositions: z.number().int().positive(),
});

const hubSource = z.object({ type: z.literal('hub'), revision: z.string().min(1) });
const generatedSource = z.object({
  type: z.literal('generated'),
  size: z.enum(['tiny', 'shape-true']),
  imitates: modelId,
  seed: z.number().int().nonnegative(),
  textTokens: z.number().int().min(300),
  /** The random decoder emits exactly this many text tokens before end-of-text. */
  generatedTokens: z.number().int().positive(),
  dimensions: whisperDimensions,
});
export type GeneratedSource = z.infer<typeof generatedSource>;

const modelEntry = z
  .object({
    id: modelId,
    task: z.enum(TASKS),
    architecture: z.enum(['whisper', 'marian', 'm2m100']),
    description: z.string().optional(),
    source: z.discriminatedUnion('type', [hubSource, generatedSource]),
    languages: z.array(z.string().regex(/^[a-z]{2,3}$/, 'must be an ISO 639 code')).min(1),
    placement: z.array(z.enum(['device', 'server'])).min(1),
    files: z.array(modelFile).min(1),
    variants: z.partialRecord(z.enum(PRECISIONS), z.object({ files: z.array(modelFile).min(1) })),
  })
  .refine((model) => Object.keys(model.variants).length > 0, { message: 'needs at least one variant', path: ['variants'] });
export type ModelEntry = z.infer<typeof modelEntry>;

const manifestSchema = z
  .object({
    version: z.literal(1),
    defaults: z.object({ asr: modelId }),
    models: z.array(modelEntry).min(1),
  })
  .superRefine((manifest, ctx) => {
    const ids = new Set<string>();
    manifest.models.forEach((model, index) => {
      if (ids.has(model.id)) ctx.addIssue({ code: 'custom', message: `duplicate model id "${model.id}"`, path: ['models', index, 'id'] });
      ids.add(model.id);
    });
    manifest.models.forEach((model, index) => {
      if (model.source.type === 'generated' && !ids.has(model.source.imitates)) {
        ctx.addIssue({ code: 'custom', message: `imitates unknown model "${model.source.imitates}"`, path: ['models', index, 'source', 'imitates'] });
      }
    });
    if (!ids.has(manifest.defaults.asr)) ctx.addIssue({ code: 'custom', message: `default ASR model "${manifest.defaults.asr}" is not in the manifest`, path: ['defaults', 'asr'] });
  });
export type Manifest = z.infer<typeof manifestSchema>;

export class ManifestError extends Error {
  override name = 'ManifestError';
}

/** Parses and validates a manifest, throwing a ManifestError that lists every problem by its path. */
export function parseManifest(json: unknown): Manifest {
  const result = manifestSchema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new ManifestError(`Invalid model manifest:\n- ${problems.join('\n- ')}`);
}

export function findModel(manifest: Manifest, id: string): ModelEntry {
  const model = manifest.models.find((m) => m.id === id);
  if (!model) throw new ManifestError(`Model "${id}" is not in the manifest (known: ${manifest.models.map((m) => m.id).join(', ')})`);
  return model;
}

/** Every file a model needs in one precision: the shared files plus that variant's weights. */
export function filesFor(model: ModelEntry, precision: Precision): ModelFile[] {
  const variant = model.variants[precision];
  if (!variant) throw new ManifestError(`Model "${model.id}" has no ${precision} variant`);
  return [...model.files, ...variant.files];
}

export function downloadBytes(model: ModelEntry, precision: Precision): number | undefined {
  const files = filesFor(model, precision);
  return files.every((f) => f.bytes !== undefined) ? files.reduce((sum, f) => sum + f.bytes!, 0) : undefined;
}
