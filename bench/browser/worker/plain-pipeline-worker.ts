import * as Comlink from 'comlink';
import { pipeline, type AutomaticSpeechRecognitionPipeline } from '@huggingface/transformers';
import { onnxWasm } from '../../../web/worker/onnx-runtime-setup.ts';
import type { PlainPipelineApi } from '../bench-protocol.ts';
import { SAMPLE_RATE } from '../../../web/shared/audio/sample-rate.ts';

/**
 * The baseline: a plain transformers.js pipeline called once on the whole clip, as whisper-web does
 * (30 s windows with 5 s strides), no segmentation, no streaming. The runtime set-up (ORT files,
 * thread count) is the app workers' own, so only the way recognition is driven differs.
 */

const DTYPE = 'q8';
const WARM_UP_SAMPLES = SAMPLE_RATE;

let recogniser: AutomaticSpeechRecognitionPipeline | undefined;

async function transcribe(audio: Float32Array): Promise<{ text: string; computeSeconds: number }> {
  if (!recogniser) throw new Error('Load the model first');
  const started = performance.now();
  const output = await recogniser(audio, { language: 'en', task: 'transcribe', chunk_length_s: 30, stride_length_s: 5 });
  return { text: (Array.isArray(output) ? output[0]! : output).text.trim(), computeSeconds: (performance.now() - started) / 1000 };
}

const api: PlainPipelineApi = {
  async load(modelId) {
    recogniser = await pipeline('automatic-speech-recognition', modelId, { dtype: DTYPE, device: 'wasm' });
    // The app's worker warms up the same way, so neither engine's first clip pays for first-run set-up.
    await transcribe(new Float32Array(WARM_UP_SAMPLES));
    return { precision: DTYPE, threads: onnxWasm.numThreads ?? 1 };
  },
  transcribe,
};

Comlink.expose(api);
