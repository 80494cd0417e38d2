import { env, pipeline, type AutomaticSpeechRecognitionPipeline } from '@huggingface/transformers';

/** A speech pipeline on a model folder under `modelsDir`, as the app loads one: local files only, never the hub. */
export async function localAsrPipeline(modelsDir: string, modelId: string, dtype: 'fp32' | 'fp16' | 'q8' | 'q4'): Promise<AutomaticSpeechRecognitionPipeline> {
  env.localModelPath = modelsDir;
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  return pipeline('automatic-speech-recognition', modelId, { dtype });
}
