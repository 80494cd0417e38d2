import type { TranslationDirection, TranslationGeneratedSource } from '../../contract/manifest-schema.ts';
import { jsonFile } from './generated-file.ts';
import type { Seq2SeqStyle } from './seq2seq-graphs.ts';
import { pseudoWordVocabulary, sentencePieceTokenizerJson, templateProcessing, unigramModel } from './sentencepiece-tokenizer.ts';
import { configDimensions, translationSpec, type TranslationModel } from './translation-model.ts';

/** Marian (opus-mt): post-norm layers with SiLU ("swish"), positions from 0, no final layer norm. */
const MARIAN_STYLE: Seq2SeqStyle = { preNorm: false, keyBias: true, activation: 'swish', finalLayerNorm: false, positionOffset: 0 };

/**
 * An opus-mt model for one direction in the layout of Xenova's exports: a Unigram SentencePiece
 * vocabulary with </s> = 0, <unk> = 1 and <pad> last; decoding starts from <pad>.
 */
export function marianModel(source: TranslationGeneratedSource, direction: TranslationDirection): TranslationModel {
  const dims = source.dimensions;
  const vocabulary = pseudoWordVocabulary(['</s>', '<unk>'], source.textTokens, source.seed);
  const [eos, unk, pad] = [0, 1, vocabulary.pieces.length];
  const endOfSentence = { id: eos, content: '</s>' };
  const specials = [endOfSentence, { id: unk, content: '<unk>' }, { id: pad, content: '<pad>' }];
  const tokenizer = sentencePieceTokenizerJson(unigramModel(vocabulary, ['<pad>'], unk), specials, templateProcessing([], [endOfSentence]));
  const generation = {
    bad_words_ids: [[pad]],
    bos_token_id: 0,
    decoder_start_token_id: pad,
    eos_token_id: eos,
    forced_eos_token_id: eos,
    max_length: dims.maxPositions,
    num_beams: 4,
    pad_token_id: pad,
  };
  const config = {
    _name_or_path: source.imitates,
    architectures: ['MarianMTModel'],
    model_type: 'marian',
    is_encoder_decoder: true,
    activation_function: 'swish',
    ...configDimensions(dims),
    decoder_vocab_size: dims.vocabSize,
    normalize_before: false,
    normalize_embedding: false,
    add_final_layer_norm: false,
    scale_embedding: true,
    static_position_embeddings: true,
    share_encoder_decoder_embeddings: true,
    use_cache: true,
    ...generation,
  };
  const tokenizerConfig = {
    tokenizer_class: 'MarianTokenizer',
    source_lang: direction.source,
    target_lang: direction.target,
    eos_token: '</s>',
    unk_token: '<unk>',
    pad_token: '<pad>',
    model_max_length: dims.maxPositions,
    separate_vocabs: false,
    sp_model_kwargs: {},
    clean_up_tokenization_spaces: true,
  };
  return {
    files: [
      jsonFile('config.json', config),
      jsonFile('generation_config.json', generation),
      jsonFile('tokenizer.json', tokenizer),
      jsonFile('tokenizer_config.json', tokenizerConfig),
    ],
    spec: translationSpec(source, MARIAN_STYLE, vocabulary, { endOfSentenceId: eos, tokenizerSize: pad + 1, promptLength: 1, sourceSpecialTokens: 1 }),
  };
}
