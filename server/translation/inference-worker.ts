import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { env, pipeline } from '@huggingface/transformers';
import { ContinuousDecoder } from './decode/continuous-decoder.ts';
import { Seq2SeqSessions } from './decode/seq2seq-sessions.ts';
import { rowQuantizingCache } from './onnx/row-quantizing-cache.ts';
import { choosePrecision, openWithFallback, type Provider, type ProviderFailure } from './providers.ts';
import { workerInitEnv } from './worker-hosts.ts';
import type { FromWorker, LoadSpec, Loaded, ModelLanguages, ToWorker, Translations, WorkerInit } from './worker-protocol.ts';

/**
 * Runs translation models off the server's event loop, in a worker thread or a child process: with the
 * continuous decoder, every job that arrives joins the model's running decode; with transformers.js'
 * pipeline, one batch at a time.
 */

interface Translator {
  /** `beams` above 1 only reaches a continuous decoder (the engine refuses it under the pipeline), which then gives alternatives. */
  translate(texts: string[], languages: ModelLanguages, signal: AbortSignal, beams?: number): Promise<Translations>;
  dispose(): Promise<void>;
}

interface Pipeline {
  (texts: string[], options: Record<string, unknown>): Promise<{ translation_text: string }[]>;
  dispose(): Promise<void>;
}

interface Port {
  on(event: 'message', listener: (message: ToWorker) => void): unknown;
  postMessage(message: FromWorker): void;
}

function connect(): { port: Port; init: WorkerInit } {
  if (parentPort) return { port: parentPort, init: workerData as WorkerInit };
  // A child process talks over IPC, and must not outlive the server.
  process.on('disconnect', () => process.exit(0));
  return {
    port: { on: (event, listener) => process.on(event, listener), postMessage: (message) => process.send!(message) },
    init: JSON.parse(process.env[workerInitEnv]!) as WorkerInit,
  };
}

const { port, init } = connect();
env.localModelPath = init.modelsDir;
env.allowLocalModels = true;
env.allowRemoteModels = false;
// The pipeline decoder (SOTTO_DECODER=pipeline) opens quantized files with per-row activation scales, so that a
// segment translates the same in any batch, as the continuous decoder's sessions do.
const rowQuantized = rowQuantizingCache(init.modelsDir);
env.useCustomCache = true;
env.customCache = rowQuantized;

const translators = new Map<string, Translator>();

/**
 * Providers that failed to start are not tried again for the next model: the failure (a missing
 * library or device) is the process's, and each retry costs time and a screen of native errors.
 */
const unusableProviders = new Map<Provider, string>();

/** onnxruntime-node ships the CUDA provider only when its install script downloaded it. */
function cudaLibraryMissing(): string | undefined {
  const binding = createRequire(import.meta.url).resolve('onnxruntime-node');
  const binDir = join(dirname(binding), '..', 'bin', 'napi-v6', process.platform, process.arch);
  return existsSync(join(binDir, 'libonnxruntime_providers_cuda.so')) ? undefined : `the CUDA provider library is not installed in ${binDir}`;
}

const missingCuda = cudaLibraryMissing();
if (missingCuda) unusableProviders.set('cuda', missingCuda);

function pipelineTranslator(translator: Pipeline): Translator {
  return {
    translate: async (texts, languages) => {
      const options = languages.srcLang && languages.tgtLang ? { src_lang: languages.srcLang, tgt_lang: languages.tgtLang } : {};
      const outputs = await translator(texts, options);
      return { outputs: outputs.map((output) => output.translation_text) };
    },
    dispose: () => translator.dispose(),
  };
}

function continuousTranslator(decoder: ContinuousDecoder): Translator {
  return {
    translate: async (texts, languages, signal, beams = 1) => {
      const nBest = await Promise.all(texts.map((text) => decoder.hypotheses(text, languages, { signal, beams })));
      // Hypotheses that differ only in tokens the text leaves out (special ones) read as one.
      const readings = nBest.map((hypotheses) => [...new Set(hypotheses.map((tokens) => decoder.sessions.decode(tokens)))]);
      return { outputs: readings.map((reading) => reading[0]!), ...(beams > 1 && { alternatives: readings.map((reading) => reading.slice(1)) }) };
    },
    dispose: () => decoder.sessions.dispose(),
  };
}

async function openTranslator(spec: LoadSpec, provider: Provider, precision: ReturnType<typeof choosePrecision>): Promise<Translator> {
  if (init.decoding.mode === 'pipeline') {
    const translator = await rowQuantized.opening(
      async () => (await pipeline('translation', spec.modelId, { device: provider, dtype: precision, session_options: { ...init.threads } })) as unknown as Pipeline,
    );
    return pipelineTranslator(translator);
  }
  const sessions = await Seq2SeqSessions.open({ modelDir: join(init.modelsDir, ...spec.modelId.split('/')), modelId: spec.modelId, precision, provider, threads: init.threads });
  const decoder = new ContinuousDecoder(sessions, init.decoding);
  try {
    const problem = await decoder.selfCheck(spec.warmUp);
    if (problem) console.warn(`[sotto] ${spec.modelId}: continuous batching without ragged decoder calls (rows of equal length only share a call): ${problem}`);
  } catch (err) {
    await sessions.dispose();
    throw err;
  }
  return continuousTranslator(decoder);
}

async function open(spec: LoadSpec, provider: Provider) {
  const precision = choosePrecision(provider, spec.precisions, init.precision);
  const translator = await openTranslator(spec, provider, precision);
  // A provider may create the session and still fail on the first run (a missing kernel): warm up here so
  // that counts as a failed provider, and so the first real batch does not pay for lazy initialisation.
  try {
    await translator.translate(['Hello, world.', 'Warm-up'], spec.warmUp, new AbortController().signal);
  } catch (err) {
    await translator.dispose();
    throw err;
  }
  return { translator, precision };
}

async function load(spec: LoadSpec): Promise<Loaded> {
  const started = performance.now();
  const skipped: ProviderFailure[] = init.providers.flatMap((provider) => {
    const message = unusableProviders.get(provider);
    return message === undefined ? [] : [{ provider, message }];
  });
  const candidates = init.providers.filter((provider) => !unusableProviders.has(provider));
  const opened = await openWithFallback(candidates, (provider) => open(spec, provider), skipped);
  for (const failure of opened.failures) if (failure.provider !== 'cpu') unusableProviders.set(failure.provider, failure.message);
  await translators.get(spec.modelId)?.dispose();
  translators.set(spec.modelId, opened.session.translator);
  return {
    provider: opened.provider,
    precision: opened.session.precision,
    failures: opened.failures,
    loadMs: Math.round(performance.now() - started),
  };
}

/** The translate messages being answered, so that a cancel can take their sequences out of the decode. */
const running = new Map<number, AbortController>();

async function handle(message: Exclude<ToWorker, { type: 'exit' | 'cancel' }>): Promise<FromWorker> {
  switch (message.type) {
    case 'load':
      return { type: 'loaded', id: message.id, loaded: await load(message.spec) };
    case 'unload':
      await translators.get(message.modelId)?.dispose();
      translators.delete(message.modelId);
      return { type: 'unloaded', id: message.id };
    case 'translate': {
      const translator = translators.get(message.job.modelId);
      if (!translator) throw new Error(`Model ${message.job.modelId} is not loaded in this worker`);
      const controller = new AbortController();
      running.set(message.id, controller);
      try {
        return { type: 'translated', id: message.id, ...(await translator.translate(message.job.texts, message.job, controller.signal, message.job.beams)) };
      } finally {
        running.delete(message.id);
      }
    }
  }
}

port.on('message', (message) => {
  // Messages are handled between two session runs, so exiting here never cuts one short.
  if (message.type === 'exit') process.exit(message.code);
  if (message.type === 'cancel') return running.get(message.id)?.abort();
  handle(message).then(
    (reply) => port.postMessage(reply),
    (err: unknown) => port.postMessage({ type: 'failed', id: message.id, message: err instanceof Error ? err.message : String(err) }),
  );
});
