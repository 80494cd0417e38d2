import { describe, expect, inject, it } from 'vitest';
import type { SessionRecord } from '../web/shared/pipeline-types.ts';
import { expectNoProblems, openApp } from './support/app-page.ts';
import { useHarness } from './support/harness.ts';
import { exported, parseSrt, reload, rowTexts, waitUntilSaved } from './support/session-page.ts';
import { displayed } from './support/transcript-probe.ts';
import { expectSideBySide, recordTranslated } from './support/translation.ts';

/** A recorded, translated session survives a reload and exports well-formed files. */
const harness = useHarness({ fakeMicrophoneWav: inject('audioFixtures').speech });

describe('translated sessions', () => {
  it('a reload restores segments and translations; TXT, SRT and JSON exports are well-formed', async () => {
    const app = await openApp(harness.browser, harness.server);
    const { page } = app;
    await recordTranslated(page, 2);
    await expectSideBySide(page);
    const sources = (await rowTexts(page, 'transcript')).map(displayed);
    const translations = (await rowTexts(page, 'translation')).map(displayed);
    await waitUntilSaved(page);

    await reload(page);
    expect((await rowTexts(page, 'transcript')).map(displayed)).toEqual(sources);
    expect((await rowTexts(page, 'translation')).map(displayed)).toEqual(translations);

    const txt = await exported(page, 'txt');
    expect(txt.text).toBe(sources.map((source, index) => `${source}\t${translations[index]}\n`).join(''));

    const cues = parseSrt((await exported(page, 'srt')).text);
    expect(cues.map((cue) => cue.index)).toEqual(sources.map((_, index) => String(index + 1)));
    cues.forEach((cue, index) => expect(cue.lines).toEqual([sources[index], translations[index]]));
    let previousStart = -1;
    for (const { startSeconds, endSeconds } of cues) {
      expect(startSeconds).toBeGreaterThan(previousStart);
      expect(endSeconds).toBeGreaterThan(startSeconds);
      previousStart = startSeconds;
    }

    const json = JSON.parse((await exported(page, 'json')).text) as { format: string; session: SessionRecord };
    expect(json.format).toBe('sotto-session');
    expect(json.session.segments.map((segment) => [displayed(segment.sourceText), displayed(segment.translation ?? '')])).toEqual(sources.map((source, index) => [source, translations[index]]));
    expect(json.session.segments.every((segment) => segment.status === 'done' && segment.translationRun?.stage === 'translation')).toBe(true);
    expect(json.session.ledger.audioBytesSent).toBe(0);
    expectNoProblems(app);
  });
});
