import type { MoonshineGeneratedSource } from '../../contract/manifest-schema.ts';
import type { ModelGenerator } from './generators.ts';
import { jsonFile } from './generated-file.ts';
import { moonshineVariantFiles } from './moonshine-graphs.ts';
import { SeededRandom } from './random-weights.ts';
import { bpeModel, pseudoWordVocabulary, sentencePieceTokenizerJson, templateProcessing } from './sentencepiece-tokenizer.ts';

/**
 * A Moonshine folder in the layout of onnx-community/moonshine-base-ONNX: a SentencePiece BPE vocabulary with
 * <unk> = 0, <s> = 1 (the decoder start) and </s> = 2; `textTokens` is the whole vocabulary (config vocab_size).
 */
export function moonshineGenerator(source: MoonshineGeneratedSource): ModelGenerator {
  const dims = source.dimensions;
  const vocabulary = pseudoWordVocabulary(['<unk>', '<s>', '</s>'], source.textTokens, source.seed);
  const vocabSize = vocabulary.pieces.length;
  const [unk, bos, eos] = [0, 1, 2];
  const specials = [{ id: unk, content: '<unk>' }, { id: bos, content: '<s>' }, { id: eos, content: '</s>' }];
  const tokenizer = sentencePieceTokenizerJson(bpeModel(vocabulary, '<unk>'), specials, templateProcessing([specials[1]!], []));
  const config = {
    _name_or_path: source.imitates,
    architectures: ['MoonshineForConditionalGeneration'],
    model_type: 'moonshine',
    is_encoder_decoder: true,
    attention_bias: false,
    encoder_hidden_act: 'gelu',
    decoder_hidden_act: 'silu',
    hidden_size: dims.hiddenSize,
    intermediate_size: dims.intermediateSize,
    encoder_num_hidden_layers: dims.encoderLayers,
    decoder_num_hidden_layers: dims.decoderLayers,
    encoder_num_attention_heads: dims.heads,
    decoder_num_attention_heads: dims.heads,
    encoder_num_key_value_heads: dims.heads,
    decoder_num_key_value_heads: dims.heads,
    max_position_embeddings: dims.maxPositions,
    partial_rotary_factor: 0.62,
    rope_theta: 10000,
    vocab_size: vocabSize,
    bos_token_id: bos,
    decoder_start_token_id: bos,
    eos_token_id: eos,
    pad_token_id: eos,
    use_cache: true,
  };
  const generation = { bos_token_id: bos, decoder_start_token_id: bos, eos_token_id: eos, pad_token_id: eos, max_length: dims.maxPositions };
  const preprocessor = {
    feature_extractor_type: 'MoonshineFeatureExtractor',
    processor_class: 'MoonshineProcessor',
    feature_size: 1,
    sampling_rate: 16000,
    padding_side: 'right',
    padding_value: 0,
    do_normalize: false,
    return_attention_mask: false,
  };
  const tokenizerConfig = { tokenizer_class: 'PreTrainedTokenizerFast', bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', pad_token: '</s>', model_max_length: dims.maxPositions, clean_up_tokenization_spaces: false };
  const random = new SeededRandom(source.seed + 2);
  const successors = BigInt64Array.from({ length: vocabSize }, () => BigInt(random.pick(vocabulary.wordStartIds)));
  const steering = { endOfTextId: eos, suppressedIds: vocabulary.nonWordIds.filter((id) => id !== eos), successors, textTokensPerFrame: source.textTokensPerFrame };
  return {
    files: [
      jsonFile('config.json', config),
      jsonFile('generation_config.json', generation),
      jsonFile('preprocessor_config.json', preprocessor),
      jsonFile('tokenizer.json', tokenizer),
      jsonFile('tokenizer_config.json', tokenizerConfig),
    ],
    variantFiles: (precision) => moonshineVariantFiles(source, vocabSize, steering, precision),
  };
}
