import type { GeneratedSource, Precision } from '../../contract/manifest-schema.ts';
import { jsonFile, type BufferedFile } from './generated-file.ts';
import { FILE_SUFFIX } from './layers.ts';
import { SeededRandom } from './random-weights.ts';
import { buildDecoder, buildEncoder, type WhisperDimensions } from './whisper-graphs.ts';
import { generateWhisperTokenizer } from './whisper-tokenizer.ts';

/** The config, tokenizer and preprocessor files of a Whisper folder, as transformers.js reads them. */
export interface WhisperSharedFiles {
  files: BufferedFile[];
  dimensions: WhisperDimensions;
  steeringSuccessors: BigInt64Array;
  suppressedTextIds: number[];
  endOfText: number;
}

export function whisperSharedFiles(source: GeneratedSource): WhisperSharedFiles {
  const tokenizer = generateWhisperTokenizer(source.textTokens, source.seed);
  const { specials } = tokenizer;
  const dims = source.dimensions;
  const dimensions: WhisperDimensions = { ...dims, vocabSize: specials.vocabSize };
  const config = {
    _name_or_path: source.imitates,
    architectures: ['WhisperForConditionalGeneration'],
    model_type: 'whisper',
    is_encoder_decoder: true,
    d_model: dims.dModel,
    encoder_layers: dims.encoderLayers,
    decoder_layers: dims.decoderLayers,
    num_hidden_layers: dims.encoderLayers,
    encoder_attention_heads: dims.encoderHeads,
    decoder_attention_heads: dims.decoderHeads,
    encoder_ffn_dim: dims.ffnDim,
    decoder_ffn_dim: dims.ffnDim,
    num_mel_bins: dims.numMelBins,
    vocab_size: specials.vocabSize,
    max_source_positions: dims.maxSourcePositions,
    max_target_positions: dims.maxTargetPositions,
    decoder_start_token_id: specials.startOfTranscript,
    bos_token_id: specials.endOfText,
    eos_token_id: specials.endOfText,
    pad_token_id: specials.endOfText,
    use_cache: true,
  };
  const generationConfig = {
    decoder_start_token_id: specials.startOfTranscript,
    bos_token_id: specials.endOfText,
    eos_token_id: specials.endOfText,
    pad_token_id: specials.endOfText,
    is_multilingual: true,
    lang_to_id: specials.languages,
    task_to_id: { transcribe: specials.transcribe, translate: specials.translate },
    no_timestamps_token_id: specials.noTimestamps,
    max_length: dims.maxTargetPositions,
    begin_suppress_tokens: [220, specials.endOfText],
    suppress_tokens: [],
  };
  const preprocessorConfig = {
    feature_extractor_type: 'WhisperFeatureExtractor',
    processor_class: 'WhisperProcessor',
    feature_size: dims.numMelBins,
    sampling_rate: 16000,
    hop_length: 160,
    n_fft: 400,
    chunk_length: 30,
    n_samples: 480000,
    nb_max_frames: 3000,
    padding_side: 'right',
    padding_value: 0,
    return_attention_mask: false,
  };
  const random = new SeededRandom(source.seed + 2);
  const steeringSuccessors = BigInt64Array.from({ length: specials.vocabSize }, () => BigInt(random.pick(tokenizer.wordStartIds)));
  return {
    files: [
      jsonFile('config.json', config),
      jsonFile('generation_config.json', generationConfig),
      jsonFile('preprocessor_config.json', preprocessorConfig),
      jsonFile('tokenizer.json', tokenizer.tokenizerJson),
      jsonFile('tokenizer_config.json', tokenizer.tokenizerConfigJson),
    ],
    dimensions,
    steeringSuccessors,
    suppressedTextIds: tokenizer.nonLetterByteIds,
    endOfText: specials.endOfText,
  };
}

/** Encoder and merged decoder for one precision, named as transformers.js expects. */
export function whisperVariantFiles(source: GeneratedSource, precision: Precision, shared: WhisperSharedFiles): BufferedFile[] {
  const suffix = FILE_SUFFIX[precision];
  const steering = { endOfTextId: shared.endOfText, suppressedTextIds: shared.suppressedTextIds, promptLength: 4, textTokens: source.generatedTokens, successors: shared.steeringSuccessors };
  return [
    { path: `onnx/encoder_model${suffix}.onnx`, content: buildEncoder(shared.dimensions, precision, source.seed + 10) },
    { path: `onnx/decoder_model_merged${suffix}.onnx`, content: buildDecoder(shared.dimensions, steering, precision, source.seed + 20) },
  ];
}
