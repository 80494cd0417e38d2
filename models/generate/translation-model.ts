import type { Seq2SeqDimensions, TranslationGeneratedSource } from '../../contract/manifest-schema.ts';
import type { BufferedFile } from './generated-file.ts';
import { SeededRandom } from './random-weights.ts';
import type { Seq2SeqSpec, Seq2SeqStyle } from './seq2seq-graphs.ts';
import type { PseudoWordVocabulary } from './sentencepiece-tokenizer.ts';

/** A generated translation model: its config and tokenizer files, and what its ONNX variants are built from. */
export interface TranslationModel {
  files: BufferedFile[];
  spec: Seq2SeqSpec;
}

export interface TokenLayout {
  endOfSentenceId: number;
  /** Tokens in the tokenizer: the pieces plus the tokens added after them. */
  tokenizerSize: number;
  /** Decoder tokens before the text: the start token, and NLLB's forced target-language token. */
  promptLength: number;
  /** Special tokens in every tokenized source: end-of-sentence, and NLLB's source-language token. */
  sourceSpecialTokens: number;
}

/** The size keys of a Hugging Face encoder-decoder config.json (Marian and M2M100 name them alike), in their usual order. */
export function configDimensions(dims: Seq2SeqDimensions) {
  return {
    d_model: dims.dModel,
    encoder_layers: dims.encoderLayers,
    decoder_layers: dims.decoderLayers,
    num_hidden_layers: dims.encoderLayers,
    encoder_attention_heads: dims.heads,
    decoder_attention_heads: dims.heads,
    encoder_ffn_dim: dims.ffnDim,
    decoder_ffn_dim: dims.ffnDim,
    max_position_embeddings: dims.maxPositions,
    vocab_size: dims.vocabSize,
  };
}

/**
 * The graph spec of a generated translation model. The decoder only ever emits lowercase
 * pseudo-words and end-of-sentence: every other piece, every added token and every padding row of
 * the embedding is suppressed.
 */
export function translationSpec(source: TranslationGeneratedSource, style: Seq2SeqStyle, vocabulary: PseudoWordVocabulary, layout: TokenLayout): Seq2SeqSpec {
  const { vocabSize } = source.dimensions;
  if (vocabSize < layout.tokenizerSize) {
    throw new Error(`dimensions.vocabSize ${vocabSize} is smaller than the tokenizer's ${layout.tokenizerSize} tokens`);
  }
  const random = new SeededRandom(source.seed + 2);
  const successors = BigInt64Array.from({ length: vocabSize }, () => BigInt(random.pick(vocabulary.wordStartIds)));
  const addedIds = Array.from({ length: vocabSize - vocabulary.pieces.length }, (_, i) => vocabulary.pieces.length + i);
  const suppressedIds = [...vocabulary.nonWordIds, ...addedIds].filter((id) => id !== layout.endOfSentenceId);
  return {
    dims: source.dimensions,
    style,
    seed: source.seed,
    steering: {
      endOfTextId: layout.endOfSentenceId,
      suppressedIds,
      successors,
      promptLength: layout.promptLength,
      sourceSpecialTokens: layout.sourceSpecialTokens,
      tokensPerSourceToken: source.generatedTokensPerSourceToken,
      maxTextTokens: source.maxGeneratedTokens,
    },
  };
}
