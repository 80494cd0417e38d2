/**
 * The client's address. With no trusted proxy it is the peer's. Behind `trustedHops` proxies, each
 * appending the address it received from to X-Forwarded-For, it is the one the outermost trusted
 * proxy saw: entries further left were written by the client and prove nothing. Pure.
 */
export function clientAddressFrom(peer: string, forwardedFor: string | undefined, trustedHops: number): string {
  if (trustedHops === 0 || !forwardedFor) return peer;
  const chain = [
    ...forwardedFor
      .split(',')
      .map((address) => address.trim())
      .filter((address) => address !== ''),
    peer,
  ];
  return chain[Math.max(0, chain.length - 1 - trustedHops)]!;
}
