import { parentPort, workerData } from 'node:worker_threads';
import { env, pipeline } from '@huggingface/transformers';
import { choosePrecision, openWithFallback, type Provider } from './providers.ts';
import { workerInitEnv } from './worker-hosts.ts';
import type { FromWorker, LoadSpec, Loaded, ModelLanguages, ToWorker, WorkerInit } from './worker-protocol.ts';

/** Runs translation models off the server's event loop, in a worker thread or a child process; one batch at a time. */

interface Translator {
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

const translators = new Map<string, Translator>();

async function translate(translator: Translator, texts: string[], languages: ModelLanguages): Promise<string[]> {
  const options = languages.srcLang && languages.tgtLang ? { src_lang: languages.srcLang, tgt_lang: languages.tgtLang } : {};
  const outputs = await translator(texts, options);
  return outputs.map((output) => output.translation_text);
}

async function open(spec: LoadSpec, provider: Provider) {
  const precision = choosePrecision(provider, spec.precisions, init.precision);
  const translator = (await pipeline('translation', spec.modelId, {
    device: provider,
    dtype: precision,
    session_options: { ...init.threads },
  })) as unknown as Translator;
  // A provider may create the session and still fail on the first run (a missing kernel): warm up here so
  // that counts as a failed provider, and so the first real batch does not pay for lazy initialisation.
  try {
    await translate(translator, ['Hello, world.', 'Warm-up'], spec.warmUp);
  } catch (err) {
    await translator.dispose();
    throw err;
  }
  return { translator, precision };
}

async function load(spec: LoadSpec): Promise<Loaded> {
  const started = performance.now();
  const opened = await openWithFallback(init.providers, (provider) => open(spec, provider));
  await translators.get(spec.modelId)?.dispose();
  translators.set(spec.modelId, opened.session.translator);
  return {
    provider: opened.provider,
    precision: opened.session.precision,
    failures: opened.failures,
    loadMs: Math.round(performance.now() - started),
  };
}

async function handle(message: Exclude<ToWorker, { type: 'exit' }>): Promise<FromWorker> {
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
      return { type: 'translated', id: message.id, outputs: await translate(translator, message.job.texts, message.job) };
    }
  }
}

port.on('message', (message) => {
  // Messages are handled between two session runs, so exiting here never cuts one short.
  if (message.type === 'exit') process.exit(message.code);
  handle(message).then(
    (reply) => port.postMessage(reply),
    (err: unknown) => port.postMessage({ type: 'failed', id: message.id, message: err instanceof Error ? err.message : String(err) }),
  );
});
