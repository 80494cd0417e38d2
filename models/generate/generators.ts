import type { ModelEntry, Precision } from '../../contract/manifest-schema.ts';
import { translationDirections } from '../../contract/manifest-schema.ts';
import type { GeneratedFile } from './generated-file.ts';
import { moonshineGenerator } from './moonshine-model.ts';
import { marianModel } from './marian-model.ts';
import { nllbModel } from './nllb-model.ts';
import { seq2seqVariantFiles } from './seq2seq-graphs.ts';
import type { TranslationModel } from './translation-model.ts';
import { whisperSharedFiles, whisperVariantFiles } from './whisper-model.ts';

/** A generated model's config and tokenizer files, and its weights per precision (built as they are iterated). */
export interface ModelGenerator {
  files: GeneratedFile[];
  variantFiles(precision: Precision): Iterable<GeneratedFile>;
}

export function generatedSource<M extends ModelEntry>(model: M): Extract<M['source'], { type: 'generated' }> {
  if (model.source.type !== 'generated') throw new Error(`${model.id} is downloaded, not generated: run npm run models:fetch -- --model ${model.id}`);
  return model.source as Extract<M['source'], { type: 'generated' }>;
}

function translationGenerator(model: TranslationModel): ModelGenerator {
  return { files: model.files, variantFiles: (precision) => seq2seqVariantFiles(model.spec, precision) };
}

/** The generator for a model with source "generated", by architecture. */
export function generatorFor(model: ModelEntry): ModelGenerator {
  if (model.architecture === 'whisper') {
    const source = generatedSource(model);
    const shared = whisperSharedFiles(source);
    return { files: shared.files, variantFiles: (precision) => whisperVariantFiles(source, precision, shared) };
  }
  if (model.architecture === 'moonshine') return moonshineGenerator(generatedSource(model));
  if (model.architecture === 'm2m100') return translationGenerator(nllbModel(generatedSource(model)));
  const directions = translationDirections(model);
  if (directions.length !== 1) throw new Error(`${model.id}: a generated Marian model translates exactly one direction, not ${directions.length}`);
  return translationGenerator(marianModel(generatedSource(model), directions[0]!));
}
