import { describe, expect, it } from 'vitest';
import { LocalAgreement } from './local-agreement.ts';

describe('LocalAgreement', () => {
  it('commits nothing from a single hypothesis', () => {
    expect(new LocalAgreement().update('and so my')).toEqual({ committed: '', tentative: 'and so my' });
  });

  it('commits the prefix two consecutive hypotheses share, ignoring case and punctuation', () => {
    const agreement = new LocalAgreement();
    agreement.update('and so my fellow');
    expect(agreement.update('And so, my fellow Americans')).toEqual({ committed: 'And so, my fellow', tentative: 'Americans' });
  });

  it('never takes a commitment back when a later hypothesis disagrees', () => {
    const agreement = new LocalAgreement();
    agreement.update('ask not what');
    agreement.update('ask not what your');
    expect(agreement.update('ask nut what your country')).toEqual({ committed: 'ask not what', tentative: 'your country' });
    expect(agreement.update('ask not what your country can')).toEqual({ committed: 'ask not what', tentative: 'your country can' });
    expect(agreement.update('ask not what your country can do')).toEqual({ committed: 'ask not what your country can', tentative: 'do' });
  });

  it('handles empty hypotheses', () => {
    const agreement = new LocalAgreement();
    expect(agreement.update('')).toEqual({ committed: '', tentative: '' });
    expect(agreement.update('  ')).toEqual({ committed: '', tentative: '' });
  });
});
