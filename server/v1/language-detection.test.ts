import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../config.ts';
import { detectLanguages } from './language-detection.ts';

const nllbLanguages = ['en', 'de', 'fr', 'es', 'pt', 'it', 'nl', 'af', 'sv', 'da', 'nb', 'pl', 'cs', 'ru', 'uk', 'bg', 'be', 'kk', 'ar', 'fa', 'ur', 'hi', 'mr', 'ne', 'he', 'yi', 'el', 'ja', 'zh', 'ko', 'th', 'ka'];
const top = (text: string, candidates = nllbLanguages) => detectLanguages(text, candidates)[0]!;

describe('detectLanguages', () => {
  it.each([
    ['The weather is nice today and I am going to the station.', 'en'],
    ['Das Wetter ist heute schön und ich gehe zum Bahnhof.', 'de'],
    ['Il fait beau aujourd’hui et je vais à la gare avec mes amis.', 'fr'],
    ['Hace buen tiempo hoy y voy a la estación con mis amigos.', 'es'],
    ['Hoje o tempo está bom e não vou para a estação.', 'pt'],
    ['Oggi il tempo è bello e vado alla stazione con gli amici.', 'it'],
    ['Het weer is mooi vandaag en ik ga naar het station.', 'nl'],
    ['Dzisiaj jest ładna pogoda i idę na dworzec.', 'pl'],
    ['Сегодня хорошая погода, и я иду на вокзал.', 'ru'],
    ['Сьогодні гарна погода, і я їду на вокзал.', 'uk'],
    ['الطقس جميل اليوم وأنا ذاهب إلى المحطة', 'ar'],
    ['امروز هوا خوب است و من به ایستگاه می‌روم', 'fa'],
    ['आज मौसम अच्छा है और मैं स्टेशन जा रहा हूँ।', 'hi'],
    ['今日は天気がいいので駅に行きます。', 'ja'],
    ['今天天气很好，我去车站。', 'zh'],
    ['오늘은 날씨가 좋아서 역에 갑니다.', 'ko'],
    ['Σήμερα ο καιρός είναι καλός.', 'el'],
    ['היום מזג האוויר יפה', 'he'],
    ['วันนี้อากาศดี', 'th'],
  ])('tells %j is %s', (text, language) => {
    expect(top(text).language).toBe(language);
  });

  it('answers in LibreTranslate’s shape, the likeliest first, confidences from 0 to 100', () => {
    const detections = detectLanguages('Der Hund und die Katze sind nicht im Haus.', nllbLanguages);
    expect(detections[0]).toEqual({ language: 'de', confidence: expect.any(Number) });
    for (const { confidence } of detections) {
      expect(confidence).toBeGreaterThan(0);
      expect(confidence).toBeLessThanOrEqual(100);
    }
    expect(detections.map((d) => d.confidence)).toEqual([...detections.map((d) => d.confidence)].sort((a, b) => b - a));
    expect(top('안녕하세요').confidence).toBe(100);
  });

  it('only names languages the models serve', () => {
    expect(top('Das Wetter ist heute schön.', ['en', 'fr']).language).toBe('en');
    expect(top('今天天气很好', ['en', 'de'])).toEqual({ language: 'en', confidence: 0 });
  });

  it('answers English at confidence 0 when the text has no letters, as LibreTranslate does', () => {
    expect(detectLanguages('12345 !?', nllbLanguages)).toEqual([{ language: 'en', confidence: 0 }]);
    expect(detectLanguages('', nllbLanguages)).toEqual([{ language: 'en', confidence: 0 }]);
  });
});

const flores = (ext: string) => path.join(repoRoot, '..', 'shared', 'data', 'mt', `flores200-devtest-first200.${ext}`);
const floresLanguages = [['eng', 'en'], ['deu', 'de'], ['fra', 'fr'], ['spa', 'es']] as const;

describe('on FLORES-200 (../shared/data/mt)', () => {
  it.for(floresLanguages)('tells at least 95 %% of the %s sentences', ([ext, language], { skip }) => {
    if (!existsSync(flores(ext))) {
      if (process.env.CI) throw new Error(`${flores(ext)} is missing: CI must have the shared data.`);
      skip(`${flores(ext)} is missing`);
    }
    const lines = readFileSync(flores(ext), 'utf8').split('\n').filter((line) => line.trim() !== '');
    const right = lines.filter((line) => top(line, [...nllbLanguages]).language === language).length;
    expect(right / lines.length).toBeGreaterThanOrEqual(0.95);
  });
});
