import * as Comlink from 'comlink';
import { pipeline, type AutomaticSpeechRecognitionPipeline } from '@huggingface/transformers';
import type { Recognition } from '../shared/asr-protocol.ts';
import type { Precision } from '../../contract/manifest-schema.ts';
import { recogniseBatch } from './batched-recognition.ts';
import { onnxWasm } from './onnx-runtime-setup.ts';
import type { RecognitionLanguage } from './speech-recognition.ts';
import { SAMPLE_RATE } from '../shared/audio/sample-rate.ts';

/**
 * One lane of an opened file's recognition (see planFileLanes): its own copy of the speech model on WebAssembly, in
 * its own worker, so that lanes recognise windows at the same time. The ASR worker has already downloaded the files.
 */
export interface RecognitionLaneApi {
  open(modelId: string, precision: Precision, threads: number, language: RecognitionLanguage): Promise<void>;
  recognise(audios: Float32Array[], language: RecognitionLanguage): Promise<Recognition[]>;
}

let recogniser: AutomaticSpeechRecognitionPipeline | undefined;

const api: RecognitionLaneApi = {
  async open(modelId, precision, threads, language) {
    if (recogniser) throw new Error('This lane has a model already');
    // Read when the runtime starts, which is at the first session: this worker's runtime is its own.
    onnxWasm.numThreads = threads;
    const opened = await pipeline('automatic-speech-recognition', modelId, { device: 'wasm', dtype: precision });
    await recogniseBatch(opened, [new Float32Array(SAMPLE_RATE)], language); // warm-up, as the ASR worker does
    recogniser = opened;
  },
  recognise(audios, language) {
    if (!recogniser) throw new Error('Open the lane first');
    return recogniseBatch(recogniser, audios, language);
  },
};

Comlink.expose(api);
