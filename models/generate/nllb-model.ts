import type { TranslationGeneratedSource } from '../../contract/manifest-schema.ts';
import { jsonFile } from './generated-file.ts';
import type { Seq2SeqStyle } from './seq2seq-graphs.ts';
import { bpeModel, pseudoWordVocabulary, sentencePieceTokenizerJson, templateProcessing } from './sentencepiece-tokenizer.ts';
import { configDimensions, translationSpec, type TranslationModel } from './translation-model.ts';

/** NLLB-200's language codes (FLORES-200), in the order of their tokens. */
export const NLLB_LANGUAGE_CODES = (
  'ace_Arab ace_Latn acm_Arab acq_Arab aeb_Arab afr_Latn ajp_Arab aka_Latn amh_Ethi apc_Arab arb_Arab ars_Arab ary_Arab arz_Arab ' +
  'asm_Beng ast_Latn awa_Deva ayr_Latn azb_Arab azj_Latn bak_Cyrl bam_Latn ban_Latn bel_Cyrl bem_Latn ben_Beng bho_Deva bjn_Arab ' +
  'bjn_Latn bod_Tibt bos_Latn bug_Latn bul_Cyrl cat_Latn ceb_Latn ces_Latn cjk_Latn ckb_Arab crh_Latn cym_Latn dan_Latn deu_Latn ' +
  'dik_Latn dyu_Latn dzo_Tibt ell_Grek eng_Latn epo_Latn est_Latn eus_Latn ewe_Latn fao_Latn pes_Arab fij_Latn fin_Latn fon_Latn ' +
  'fra_Latn fur_Latn fuv_Latn gla_Latn gle_Latn glg_Latn grn_Latn guj_Gujr hat_Latn hau_Latn heb_Hebr hin_Deva hne_Deva hrv_Latn ' +
  'hun_Latn hye_Armn ibo_Latn ilo_Latn ind_Latn isl_Latn ita_Latn jav_Latn jpn_Jpan kab_Latn kac_Latn kam_Latn kan_Knda kas_Arab ' +
  'kas_Deva kat_Geor knc_Arab knc_Latn kaz_Cyrl kbp_Latn kea_Latn khm_Khmr kik_Latn kin_Latn kir_Cyrl kmb_Latn kon_Latn kor_Hang ' +
  'kmr_Latn lao_Laoo lvs_Latn lij_Latn lim_Latn lin_Latn lit_Latn lmo_Latn ltg_Latn ltz_Latn lua_Latn lug_Latn luo_Latn lus_Latn ' +
  'mag_Deva mai_Deva mal_Mlym mar_Deva min_Latn mkd_Cyrl plt_Latn mlt_Latn mni_Beng khk_Cyrl mos_Latn mri_Latn zsm_Latn mya_Mymr ' +
  'nld_Latn nno_Latn nob_Latn npi_Deva nso_Latn nus_Latn nya_Latn oci_Latn gaz_Latn ory_Orya pag_Latn pan_Guru pap_Latn pol_Latn ' +
  'por_Latn prs_Arab pbt_Arab quy_Latn ron_Latn run_Latn rus_Cyrl sag_Latn san_Deva sat_Beng scn_Latn shn_Mymr sin_Sinh slk_Latn ' +
  'slv_Latn smo_Latn sna_Latn snd_Arab som_Latn sot_Latn spa_Latn als_Latn srd_Latn srp_Cyrl ssw_Latn sun_Latn swe_Latn swh_Latn ' +
  'szl_Latn tam_Taml tat_Cyrl tel_Telu tgk_Cyrl tgl_Latn tha_Thai tir_Ethi taq_Latn taq_Tfng tpi_Latn tsn_Latn tso_Latn tuk_Latn ' +
  'tum_Latn tur_Latn twi_Latn tzm_Tfng uig_Arab ukr_Cyrl umb_Latn urd_Arab uzn_Latn vec_Latn vie_Latn war_Latn wol_Latn xho_Latn ' +
  'ydd_Hebr yor_Latn yue_Hant zho_Hans zho_Hant zul_Latn'
).split(' ');

/** M2M100: pre-norm layers with ReLU, final layer norms, positions counted from 2. */
const M2M100_STYLE: Seq2SeqStyle = { preNorm: true, keyBias: true, activation: 'relu', finalLayerNorm: true, positionOffset: 2 };

/**
 * An NLLB-200 model in the layout of Xenova's exports: a BPE SentencePiece vocabulary behind
 * <s>, <pad>, </s>, <unk>; then the language codes and <mask> as added special tokens. A source is
 * "<source language> text </s>"; decoding starts from </s>, and generation forces the target
 * language token first (transformers.js sets forced_bos_token_id from tgt_lang).
 */
export function nllbModel(source: TranslationGeneratedSource): TranslationModel {
  const dims = source.dimensions;
  const vocabulary = pseudoWordVocabulary(['<s>', '<pad>', '</s>', '<unk>'], source.textTokens, source.seed);
  const [bos, pad, eos, unk] = [0, 1, 2, 3];
  const languageTokens = NLLB_LANGUAGE_CODES.map((content, i) => ({ id: vocabulary.pieces.length + i, content }));
  const mask = { id: vocabulary.pieces.length + languageTokens.length, content: '<mask>' };
  const specials = [
    ...['<s>', '<pad>', '</s>', '<unk>'].map((content, id) => ({ id, content })),
    ...languageTokens,
    mask,
  ];
  const english = languageTokens.find((token) => token.content === 'eng_Latn')!;
  const tokenizer = sentencePieceTokenizerJson(bpeModel(vocabulary, '<unk>'), specials, templateProcessing([english], [specials[eos]!]));
  const generation = { bos_token_id: bos, decoder_start_token_id: eos, eos_token_id: eos, max_length: 200, pad_token_id: pad };
  const config = {
    _name_or_path: source.imitates,
    architectures: ['M2M100ForConditionalGeneration'],
    model_type: 'm2m_100',
    is_encoder_decoder: true,
    activation_function: 'relu',
    ...configDimensions(dims),
    scale_embedding: true,
    tokenizer_class: 'NllbTokenizer',
    use_cache: true,
    ...generation,
  };
  const tokenizerConfig = {
    tokenizer_class: 'NllbTokenizer',
    bos_token: '<s>',
    eos_token: '</s>',
    sep_token: '</s>',
    cls_token: '<s>',
    unk_token: '<unk>',
    pad_token: '<pad>',
    mask_token: '<mask>',
    src_lang: english.content,
    tgt_lang: null,
    additional_special_tokens: NLLB_LANGUAGE_CODES,
    legacy_behaviour: false,
    model_max_length: dims.maxPositions,
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
    spec: translationSpec(source, M2M100_STYLE, vocabulary, { endOfSentenceId: eos, tokenizerSize: mask.id + 1, promptLength: 2, sourceSpecialTokens: 2 }),
  };
}
