import * as Comlink from 'comlink';
import { pipeline } from '@huggingface/transformers';
import type { LoadedModel, LoadProgress, ModelLanguages, TranslationLoadRequest, TranslationOutput, TranslationWorkerApi } from '../shared/translation-protocol.ts';
import type { ExecutionChoice } from '../shared/variant-choice.ts';
import { openWithFallback } from './onnx-runtime-setup.ts';

/** The slice of transformers.js's TranslationPipeline this worker uses. */
interface Translator {
  (texts: string[], options: Record<string, unknown>): Promise<{ translation_text: string }[]>;
  dispose(): Promise<void>;
}

async function run(translator: Translator, texts: string[], languages: ModelLanguages): Promise<string[]> {
  const options = languages.srcLang && languages.tgtLang ? { src_lang: languages.srcLang, tgt_lang: languages.tgtLang } : {};
  const outputs = await translator(texts, options);
  return outputs.map((output) => output.translation_text);
}

class TranslationWorker implements TranslationWorkerApi {
  private translator: Translator | undefined;
  /** ORT runs one session at a time: batches wait for the one before. */
  private queue: Promise<unknown> = Promise.resolve();

  async load(request: TranslationLoadRequest, onProgress: (progress: LoadProgress) => void): Promise<LoadedModel> {
    const started = performance.now();
    await this.translator?.dispose();
    this.translator = undefined;
    const { opened, execution, threads, fallbackReason } = await openWithFallback(request, onProgress, (choice) => this.open(request, choice));
    this.translator = opened;
    return {
      modelId: request.modelId,
      ...execution,
      threads,
      loadSeconds: (performance.now() - started) / 1000,
      ...(fallbackReason ? { fallbackReason } : {}),
    };
  }

  translate(texts: string[], languages: ModelLanguages): Promise<TranslationOutput> {
    const result = this.queue.then(async () => {
      if (!this.translator) throw new Error('No translation model is loaded');
      const started = performance.now();
      const translations = await run(this.translator, texts, languages);
      return { translations, computeMs: performance.now() - started };
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async open(request: TranslationLoadRequest, choice: ExecutionChoice): Promise<Translator> {
    const translator = (await pipeline('translation', request.modelId, { device: choice.backend, dtype: choice.precision })) as unknown as Translator;
    // WebGPU may create the session and still fail on the first run: warming up here makes that a
    // fallback to WebAssembly, and keeps kernel compilation out of the first real batch.
    try {
      await run(translator, ['Hello, world.'], request.warmUp);
    } catch (error) {
      await translator.dispose();
      throw error;
    }
    return translator;
  }
}

Comlink.expose(new TranslationWorker());
