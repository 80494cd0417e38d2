import { join } from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { repoRoot } from '../../server/config.ts';

/** Counts a translation's tokens with its model's tokenizer: its text tokens plus the end-of-sentence the decoder emitted. */
export async function tokenCounter(modelId: string): Promise<(text: string) => number> {
  env.localModelPath = join(repoRoot, 'models');
  env.allowLocalModels = true;
  env.allowRemoteModels = false;
  const tokenizer = await AutoTokenizer.from_pretrained(modelId);
  return (text) => tokenizer.encode(text, { add_special_tokens: false }).length + 1;
}
