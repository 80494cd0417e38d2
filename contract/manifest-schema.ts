import { z } from 'zod';

/** One schema for models/manifest.json, shared by the web app, the server and the scripts. */

export const PRECISIONS = ['fp32', 'fp16', 'q8', 'q4'] as const;
export type Precision = (typeof PRECISIONS)[number];
export const TASKS = ['automatic-speech-recognition', 'translation'] as const;
export type ModelTask = (typeof TASKS)[number];
export const ARCHITECTURES = ['whisper', 'moonshine', 'marian', 'm2m100'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

const modelId = z.string().regex(/^[A-Za-z0-9][\w.-]*\/[\w.-]+$/, 'must look like "owner/name"');
const relativePath = z
  .string()
  .regex(/^[\w.-]+(\/[\w.-]+)*$/, 'must be a relative path of letters, digits, ".", "_" and "-"')
  .refine((path) => !path.split('/').includes('..'), 'must not contain ".."');
const count = z.number().int().positive();
const languageCode = z.string().regex(/^[a-z]{2,3}$/, 'must be an ISO 639 code');

const modelFile = z.object({
  path: relativePath,
  bytes: count.optional(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits').optional(),
});
export type ModelFile = z.infer<typeof modelFile>;

const whisperDimensions = z.object({
  dModel: count,
  encoderLayers: count,
  decoderLayers: count,
  encoderHeads: count,
  decoderHeads: count,
  ffnDim: count,
  numMelBins: count,
  maxSourcePositions: count,
  maxTargetPositions: count,
});

/** Moonshine, named after its config.json keys (the encoder and the decoder share the width and head count). */
const moonshineDimensions = z.object({
  hiddenSize: count,
  encoderLayers: count,
  decoderLayers: count,
  heads: count,
  intermediateSize: count,
  maxPositions: count,
});

/** Encoder-decoder text models (Marian, M2M100/NLLB), named after their config.json keys. */
const seq2seqDimensions = z.object({
  dModel: count,
  encoderLayers: count,
  decoderLayers: count,
  heads: count,
  ffnDim: count,
  maxPositions: count,
  /** Rows of the token embedding (config vocab_size): at least the tokenizer's size. */
  vocabSize: count,
});
export type Seq2SeqDimensions = z.infer<typeof seq2seqDimensions>;

const hubSource = z.object({ type: z.literal('hub'), revision: z.string().min(1) });
const generated = {
  type: z.literal('generated'),
  size: z.enum(['tiny', 'shape-true']),
  imitates: modelId,
  seed: z.number().int().nonnegative(),
  /** Ordinary (non-added) tokens of the generated tokenizer's vocabulary. */
  textTokens: z.number().int().min(300),
};
const whisperGeneratedSource = z.object({
  ...generated,
  /** The random decoder emits exactly this many text tokens before end-of-text. */
  generatedTokens: count,
  dimensions: whisperDimensions,
});
const translationGeneratedSource = z.object({
  ...generated,
  /**
   * The random decoder emits ceil(ratio × the source's text tokens) text tokens, at least one and at
   * most `maxGeneratedTokens`, then end-of-sentence. Pseudo-word tokenizers split real text into more
   * pieces than trained ones, so a ratio below 1 keeps the number of decoding steps realistic.
   */
  generatedTokensPerSourceToken: z.number().positive().max(4),
  maxGeneratedTokens: count,
  dimensions: seq2seqDimensions,
});
const moonshineGeneratedSource = z.object({
  ...generated,
  /** The random decoder emits ceil(this × the encoder's frames) text tokens (about 40 frames per second of audio) before end-of-sentence. */
  textTokensPerFrame: z.number().positive().max(1),
  dimensions: moonshineDimensions,
});
export type MoonshineGeneratedSource = z.infer<typeof moonshineGeneratedSource>;
export type WhisperGeneratedSource = z.infer<typeof whisperGeneratedSource>;
export type TranslationGeneratedSource = z.infer<typeof translationGeneratedSource>;
/** A generated Whisper model's source: the name predates generated translation models. */
export type GeneratedSource = WhisperGeneratedSource;

// Fields are declared in the manifest's key order, which --update-manifest keeps.
const description = z.string().optional();
const languages = z.array(languageCode).min(1);
const deployment = {
  placement: z.array(z.enum(['device', 'server'])).min(1),
  files: z.array(modelFile).min(1),
  variants: z.partialRecord(z.enum(PRECISIONS), z.object({ files: z.array(modelFile).min(1) })),
};

/** A speech model entry; the architectures differ in how a generated one is described. */
function speechEntry<A extends 'whisper' | 'moonshine', G extends typeof whisperGeneratedSource | typeof moonshineGeneratedSource>(architecture: A, generatedSource: G) {
  return z.object({
    id: modelId,
    task: z.literal('automatic-speech-recognition'),
    architecture: z.literal(architecture),
    description,
    source: z.discriminatedUnion('type', [hubSource, generatedSource]),
    languages,
    ...deployment,
  });
}

const whisperEntry = speechEntry('whisper', whisperGeneratedSource);
/** Moonshine encodes the audio there is (no 30 s window), which makes it the cheap model for live speech. */
const moonshineEntry = speechEntry('moonshine', moonshineGeneratedSource);

const direction = z.object({ source: languageCode, target: languageCode });
export type TranslationDirection = z.infer<typeof direction>;

const translationEntry = z
  .object({
    id: modelId,
    task: z.literal('translation'),
    architecture: z.enum(['marian', 'm2m100']),
    description,
    source: z.discriminatedUnion('type', [hubSource, translationGeneratedSource]),
    languages,
    /** The model's own code for each of its languages, where it has codes (NLLB: "en" → "eng_Latn"). */
    languageCodes: z.record(languageCode, z.string().min(1)).optional(),
    /** Every ordered pair of distinct `languages`, or just the listed ones. */
    directions: z.union([z.literal('any-to-any'), z.array(direction).min(1)]),
    ...deployment,
  })
  .superRefine((model, ctx) => {
    const known = new Set(model.languages);
    if (model.directions !== 'any-to-any') {
      model.directions.forEach(({ source, target }, index) => {
        for (const [end, code] of [['source', source], ['target', target]] as const) {
          if (!known.has(code)) ctx.addIssue({ code: 'custom', message: `"${code}" is not in languages`, path: ['directions', index, end] });
        }
        if (source === target) ctx.addIssue({ code: 'custom', message: 'source and target must differ', path: ['directions', index] });
      });
    }
    if (!model.languageCodes) return;
    for (const iso of Object.keys(model.languageCodes)) {
      if (!known.has(iso)) ctx.addIssue({ code: 'custom', message: `"${iso}" is not in languages`, path: ['languageCodes', iso] });
    }
    const missing = model.languages.filter((iso) => model.languageCodes![iso] === undefined);
    if (missing.length > 0) ctx.addIssue({ code: 'custom', message: `no code for ${missing.join(', ')}`, path: ['languageCodes'] });
  });

const modelEntry = z
  .discriminatedUnion('architecture', [whisperEntry, moonshineEntry, translationEntry])
  .refine((model) => Object.keys(model.variants).length > 0, { message: 'needs at least one variant', path: ['variants'] });
export type ModelEntry = z.infer<typeof modelEntry>;
export type TranslationModelEntry = Extract<ModelEntry, { task: 'translation' }>;

const manifestSchema = z
  .object({
    version: z.literal(1),
    defaults: z.object({
      asr: modelId,
      /** The server's translation model, and the one a device falls back to when the server is unreachable. */
      translation: z.object({ server: modelId, device: modelId }).optional(),
    }),
    models: z.array(modelEntry).min(1),
  })
  .superRefine((manifest, ctx) => {
    const byId = new Map<string, ModelEntry>();
    manifest.models.forEach((model, index) => {
      if (byId.has(model.id)) ctx.addIssue({ code: 'custom', message: `duplicate model id "${model.id}"`, path: ['models', index, 'id'] });
      byId.set(model.id, model);
    });
    manifest.models.forEach((model, index) => {
      if (model.source.type === 'generated' && !byId.has(model.source.imitates)) {
        ctx.addIssue({ code: 'custom', message: `imitates unknown model "${model.source.imitates}"`, path: ['models', index, 'source', 'imitates'] });
      }
    });
    const asr = byId.get(manifest.defaults.asr);
    if (!asr) ctx.addIssue({ code: 'custom', message: `default ASR model "${manifest.defaults.asr}" is not in the manifest`, path: ['defaults', 'asr'] });
    else if (asr.task !== 'automatic-speech-recognition') ctx.addIssue({ code: 'custom', message: `default ASR model "${asr.id}" does not do speech recognition`, path: ['defaults', 'asr'] });
    for (const placement of ['server', 'device'] as const) {
      const id = manifest.defaults.translation?.[placement];
      if (id === undefined) continue;
      const model = byId.get(id);
      const path = ['defaults', 'translation', placement];
      if (!model) ctx.addIssue({ code: 'custom', message: `default ${placement} translation model "${id}" is not in the manifest`, path });
      else if (model.task !== 'translation') ctx.addIssue({ code: 'custom', message: `default ${placement} translation model "${id}" does not translate`, path });
      else if (!model.placement.includes(placement)) ctx.addIssue({ code: 'custom', message: `default ${placement} translation model "${id}" is not placed on the ${placement}`, path });
    }
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

/** "q8,fp32" → ['q8', 'fp32'] without repeats; a ManifestError names any unknown precision. */
export function parsePrecisions(list: string): Precision[] {
  const names = list.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const unknown = names.filter((name) => !(PRECISIONS as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new ManifestError(`Unknown precision "${unknown.join(',') || list}": choose from ${PRECISIONS.join(', ')}`);
  }
  return [...new Set(names as Precision[])];
}

export function isTranslationModel(model: ModelEntry): model is TranslationModelEntry {
  return model.task === 'translation';
}

/** Every direction a model translates, as ordered pairs of ISO 639 codes; none for other tasks. */
export function translationDirections(model: ModelEntry): TranslationDirection[] {
  if (!isTranslationModel(model)) return [];
  if (model.directions !== 'any-to-any') return model.directions.map((d) => ({ ...d }));
  return model.languages.flatMap((source) => model.languages.filter((target) => target !== source).map((target) => ({ source, target })));
}

/** Whether a model's directions (a list, or any-to-any among its languages) include source → target. */
export function includesDirection(model: Pick<TranslationModelEntry, 'languages' | 'directions'>, source: string, target: string): boolean {
  if (source === target) return false;
  if (model.directions === 'any-to-any') return model.languages.includes(source) && model.languages.includes(target);
  return model.directions.some((d) => d.source === source && d.target === target);
}

export function supportsDirection(model: ModelEntry, source: string, target: string): boolean {
  return isTranslationModel(model) && includesDirection(model, source, target);
}

/** The code a model itself uses for an ISO 639 language: "eng_Latn" for "en" in NLLB, the ISO code where it has no codes of its own. */
export function modelLanguageCode(model: ModelEntry, iso: string): string {
  if (!model.languages.includes(iso)) {
    throw new ManifestError(`Model "${model.id}" does not support the language "${iso}" (it supports ${model.languages.join(', ')})`);
  }
  return (isTranslationModel(model) ? model.languageCodes?.[iso] : undefined) ?? iso;
}
