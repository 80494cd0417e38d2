import { describe, expect, it } from 'vitest';
import { clientAddressFrom } from './client-address.ts';

describe('clientAddressFrom', () => {
  it.each([
    ['no trusted proxy: the peer, whatever the header says', '10.0.0.5', '203.0.113.7', 0, '10.0.0.5'],
    ['one proxy (an ingress): the address it saw', '10.0.0.5', '203.0.113.7', 1, '203.0.113.7'],
    ['one proxy: a client-written entry on the left is ignored', '10.0.0.5', '198.51.100.1, 203.0.113.7', 1, '203.0.113.7'],
    ['two proxies: the address the outer one saw', '10.0.0.5', '198.51.100.1, 203.0.113.7, 10.0.0.9', 2, '203.0.113.7'],
    ['more hops trusted than entries: the leftmost', '10.0.0.5', '203.0.113.7', 3, '203.0.113.7'],
    ['no header behind a proxy: the peer', '10.0.0.5', undefined, 1, '10.0.0.5'],
    ['blank entries are skipped', '10.0.0.5', ' , 203.0.113.7 ,', 1, '203.0.113.7'],
  ])('%s', (_, peer, header, hops, expected) => {
    expect(clientAddressFrom(peer, header, hops)).toBe(expected);
  });
});
