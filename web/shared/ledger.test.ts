import { describe, expect, it } from 'vitest';
import { addLedgers, audioBytes, describeReduction, describeServerCost, ledgerDelta, reductionRatio } from './ledger.ts';
import { EMPTY_LEDGER, type DataLedger } from './pipeline-types.ts';

const ledger = (fields: Partial<DataLedger>): DataLedger => ({ ...EMPTY_LEDGER, ...fields });

describe('audio bytes', () => {
  it('counts 4 bytes a sample: one second at 16 kHz is 64 kB', () => {
    expect(audioBytes(16_000)).toBe(64_000);
  });
});

describe('reduction', () => {
  it('is audio captured over text sent', () => {
    expect(reductionRatio(ledger({ audioBytesCaptured: 640_000, transcriptBytesSent: 200 }))).toBe(3200);
  });

  it('is undefined rather than infinite or zero when nothing was sent or captured', () => {
    expect(reductionRatio(ledger({ audioBytesCaptured: 640_000 }))).toBeUndefined();
    expect(reductionRatio(ledger({ transcriptBytesSent: 10 }))).toBeUndefined();
    expect(reductionRatio(EMPTY_LEDGER)).toBeUndefined();
  });

  it('is described with a rounded ratio, or with why there is none', () => {
    expect(describeReduction(ledger({ audioBytesCaptured: 4_801_234, transcriptBytesSent: 2000 }))).toBe('× 2,400 fewer bytes than uploading the audio');
    expect(describeReduction(ledger({ audioBytesCaptured: 123, transcriptBytesSent: 10 }))).toBe('× 12.3 fewer bytes than uploading the audio');
    expect(describeReduction(ledger({ audioBytesCaptured: 64_000 }))).toBe('No text sent yet: all 64 kB of audio stayed on this device');
    expect(describeReduction(EMPTY_LEDGER)).toBe('No audio captured yet');
  });
});

describe('ledger arithmetic', () => {
  it('adds partial ledgers field by field', () => {
    expect(addLedgers(ledger({ audioBytesCaptured: 10, translationRequests: 1 }), { translationRequests: 2, transcriptBytesSent: 7 })).toEqual(
      ledger({ audioBytesCaptured: 10, translationRequests: 3, transcriptBytesSent: 7 }),
    );
  });

  it('gives what a running total grew by', () => {
    const before = ledger({ transcriptBytesSent: 100, translationRequests: 2 });
    const after = ledger({ transcriptBytesSent: 160, translationRequests: 3, translationBytesReceived: 90 });
    expect(ledgerDelta(before, after)).toEqual(ledger({ transcriptBytesSent: 60, translationRequests: 1, translationBytesReceived: 90 }));
    expect(addLedgers(before, ledgerDelta(before, after))).toEqual(after);
  });
});

describe('server cost', () => {
  it('adds compute and price, keeps the currency, and reads as seconds and price', () => {
    const total = addLedgers(ledger({}), { serverComputeSeconds: 0.5, serverPrice: 0.00005, serverCurrency: 'USD' });
    const more = addLedgers(total, { serverComputeSeconds: 0.3, serverPrice: 0.00003 });
    expect(more.serverCurrency).toBe('USD');
    expect(describeServerCost(more)).toBe('Server compute 0.8 s · 0.00008 USD');
    expect(ledgerDelta(total, more).serverComputeSeconds).toBeCloseTo(0.3);
  });

  it('says nothing was billed before the server was used', () => {
    expect(describeServerCost(EMPTY_LEDGER)).toBe('None billed');
  });

  it('counts fields missing from sessions saved before them as 0', () => {
    const { serverPrice: _price, ...old } = ledger({ translationRequests: 2 });
    expect(addLedgers(old as DataLedger, { serverPrice: 0.1 }).serverPrice).toBe(0.1);
  });
});
