/**
 * What the language detector knows: the scripts, and within a script the letters and the most common short
 * words of each language. ISO 639-1 codes, as the manifest lists them.
 */

export interface LanguageProfile {
  /** Letters rare outside this language within its script. */
  letters?: string;
  /** Very common words (function words), lower case. */
  words?: readonly string[];
}

export interface ScriptProfile {
  /** A Unicode script property value, for `\p{Script=…}`. */
  script: string;
  /** The languages written in it, the most widely used first (the answer when nothing else tells them apart). */
  languages: Record<string, LanguageProfile>;
}

const w = (text: string) => text.split(' ');

export const scripts: readonly ScriptProfile[] = [
  {
    script: 'Latin',
    languages: {
      en: { words: w('the and of to is in that it was for you with on are this be not have but they at from his by what') },
      es: { letters: 'ñ¿¡', words: w('el la de que y en los las del se por un una es con para no lo su al como más pero') },
      fr: { letters: 'çœêèëîôû', words: w('le la les de des et est un une que qui dans pour pas sur au du ce il elle nous vous avec sont') },
      de: { letters: 'ßäöü', words: w('der die das und ist nicht ich sie es ein eine zu den mit auf für von dem im sich auch wir') },
      pt: { letters: 'ãõç', words: w('o a os as de do da que e em um uma não para com por se na no dos mais é') },
      it: { letters: 'àèìòù', words: w('il di che la e è per un una non sono del della gli le con si mi lo ma come') },
      nl: { letters: 'ĳ', words: w('de het een en van is dat niet ik je op te zijn met voor er maar ook hij wij') },
      sv: { letters: 'åäö', words: w('och att det som en är på för av med den till inte jag har var om vi ett') },
      da: { letters: 'æøå', words: w('og at det er en til på de som med for af ikke jeg har den vi et var') },
      nb: { letters: 'æøå', words: w('og er det som en til på av for med ikke jeg har de vi et var å meg') },
      fi: { letters: 'äö', words: w('ja on ei se että oli hän mutta kun niin myös tai ovat minä sinä olen ole') },
      pl: { letters: 'ąćęłńśźż', words: w('i w nie na się że z do to jest jak ale co tak o po od jego dla') },
      cs: { letters: 'ěřůčšž', words: w('a je se na že v to s z do jsem jak ale co by jsou tak pro') },
      sk: { letters: 'ľĺŕôä', words: w('a je sa na že v to s z do som ako ale čo by sú tak pre') },
      ro: { letters: 'ăâîșțşţ', words: w('și de la în cu pe nu este o un că să din care pentru mai sunt') },
      hu: { letters: 'őű', words: w('a az és hogy nem is egy van de meg el ez azt volt csak mint') },
      tr: { letters: 'ğışİ', words: w('ve bir bu da de için ile ne çok daha ama gibi olarak ben sen var') },
      vi: { letters: 'đơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ', words: w('và của là có không được những một các cho trong người này đã với') },
      id: { words: w('dan yang di itu dengan untuk tidak ini dari dalam akan pada juga saya ke karena ada') },
      ms: { words: w('dan yang di itu dengan untuk tidak ini dari dalam akan pada juga saya ke kerana ialah') },
      tl: { words: w('ang ng sa na at mga ay si ako hindi ito ka niya siya kung para') },
      ca: { letters: 'ŀ', words: w('el la de i que els les en un una per amb no és del al són com més') },
      hr: { letters: 'čćđšž', words: w('i je u se na da su za od ne sam ali što kao biti bio') },
      sl: { letters: 'čšž', words: w('in je v se na da za so z ne pa bi ki tudi kot sem') },
      lt: { letters: 'ąčęėįšųūž', words: w('ir yra kad su į iš ne tai bet kaip buvo jis ji mano') },
      lv: { letters: 'āčēģīķļņšūž', words: w('un ir ka ar uz no par tas bet kā es viņš viņa nav') },
      et: { letters: 'õäöü', words: w('ja on ei et see oli ta kui aga ka või mis ma sa') },
      sw: { words: w('na ya wa kwa ni za la katika kuwa hii huo yake lakini pia') },
      af: { words: w('die en van is in dat nie het n op te vir met sy hy') },
      sq: { letters: 'ëç', words: w('dhe të në një që me për është nga i e se nuk') },
      eu: { words: w('eta da ez du bat zen izan dira baina ere hau hori') },
      ga: { words: w('agus an na is ar le go bhí sé sí ní mar') },
      cy: { letters: 'ŵŷ', words: w('a y yn yr ac i o mae ar ei bod wedi gyda') },
    },
  },
  {
    script: 'Cyrillic',
    languages: {
      ru: { letters: 'ыэъё', words: w('и в не что на я с он как это по но из то все она так его') },
      uk: { letters: 'іїєґ', words: w('і в не що на я з він як це по але та до від ти ми') },
      bg: { letters: 'ъ', words: w('и на да се в не че от е за с са това как ще') },
      be: { letters: 'ўі', words: w('і ў не што на я з ён як гэта па але ад да') },
      sr: { letters: 'ђћј', words: w('и је у се на да су за од не сам али што') },
      mk: { letters: 'ѓќѕј', words: w('и на да се во не е од што за со ќе') },
      kk: { letters: 'әғқңөұүһі', words: w('және бұл мен да де бір үшін') },
      ky: { letters: 'ңөү', words: w('жана бул мен да бир үчүн') },
      mn: { letters: 'өү', words: w('нь бол юм ба энэ гэж байна') },
      tg: { letters: 'ғӣқӯҳҷ', words: w('ва дар ба аз ки бо ин') },
      tt: { letters: 'әҗңөүһ', words: w('һәм бу белән да дә бер өчен') },
      ba: { letters: 'әғҙҡңөҫүһ', words: w('һәм был менән да бер өсөн') },
    },
  },
  {
    script: 'Arabic',
    languages: {
      ar: { letters: 'ةى', words: w('في من على أن إلى هذا التي الذي مع عن كان') },
      fa: { letters: 'پچژگکی', words: w('و در به از که این را با است برای') },
      ur: { letters: 'ٹڈڑںےھ', words: w('کے میں کی ہے اور سے کو یہ نے') },
      ps: { letters: 'ټډړږښګڼېۍ', words: w('د په او چې دا له') },
      sd: { letters: 'ٻڄڃڦڪڳ' },
      ug: { letters: 'ېۆۇۈۋە' },
      ks: {},
      ku: { letters: 'ڕڵێ' },
    },
  },
  {
    script: 'Devanagari',
    languages: {
      hi: { words: w('है और के की में से को का हैं यह नहीं') },
      mr: { letters: 'ळ', words: w('आहे आणि या व हे की ते') },
      ne: { words: w('छ र को मा हो छन् पनि') },
      sa: {},
    },
  },
  { script: 'Bengali', languages: { bn: {}, as: { letters: 'ৰৱ' } } },
  { script: 'Hebrew', languages: { he: {}, yi: { letters: 'װױײ', words: w('און איז דער די דאס') } } },
  { script: 'Ethiopic', languages: { am: {}, ti: {} } },
  { script: 'Tibetan', languages: { bo: {}, dz: {} } },
  { script: 'Greek', languages: { el: {} } },
  { script: 'Armenian', languages: { hy: {} } },
  { script: 'Georgian', languages: { ka: {} } },
  { script: 'Hangul', languages: { ko: {} } },
  { script: 'Thai', languages: { th: {} } },
  { script: 'Lao', languages: { lo: {} } },
  { script: 'Khmer', languages: { km: {} } },
  { script: 'Myanmar', languages: { my: {} } },
  { script: 'Sinhala', languages: { si: {} } },
  { script: 'Tamil', languages: { ta: {} } },
  { script: 'Telugu', languages: { te: {} } },
  { script: 'Kannada', languages: { kn: {} } },
  { script: 'Malayalam', languages: { ml: {} } },
  { script: 'Gujarati', languages: { gu: {} } },
  { script: 'Gurmukhi', languages: { pa: {} } },
  { script: 'Oriya', languages: { or: {} } },
];

/** Japanese mixes Han with kana; Han alone is Chinese. */
export const kanaScripts = ['Hiragana', 'Katakana'] as const;
