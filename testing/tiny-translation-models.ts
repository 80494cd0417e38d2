import path from 'node:path';
import { env } from '@huggingface/transformers';
import { repoRoot } from '../server/config.ts';
import { Seq2SeqSessions, type OpenOptions } from '../server/translation/decode/seq2seq-sessions.ts';
import { ensureTinyModels } from './load/translation-server.ts';

/** The generated tiny translation models, for tests of the server's own decode loop. */

export const modelsDir = path.join(repoRoot, 'models');

export const modelDirOf = (modelId: string) => path.join(modelsDir, ...modelId.split('/'));

/** Generates the tiny models when missing and points transformers.js at them (local files only, never the hub); false if they are still missing. */
export function useTinyModels(): boolean {
  const present = ensureTinyModels();
  env.localModelPath = modelsDir;
  env.allowLocalModels = true;
  env.allowRemoteModels = false;
  return present;
}

/** A model under models/ as the decode loop opens it: on the CPU, one thread unless `options` say otherwise. */
export function openSessions(modelId: string, options: Pick<OpenOptions, 'precision'> & Partial<Omit<OpenOptions, 'modelId' | 'modelDir'>>): Promise<Seq2SeqSessions> {
  return Seq2SeqSessions.open({ modelDir: modelDirOf(modelId), modelId, provider: 'cpu', threads: { intraOpNumThreads: 1, interOpNumThreads: 1 }, ...options });
}
