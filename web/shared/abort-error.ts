/** What a cancelled call rejects with, whether it ran in a worker or over the network. */
export class AbortError extends Error {
  override name = 'AbortError';
  constructor() {
    super('Cancelled');
  }
}
