// An absolute path of two or more segments, alone or in a file: URL. Paths this server serves (/v1/…, /models/…)
// are public and stay; "owner/name" ids and media types have no leading slash; URLs' own slashes follow a ":" or "/".
const absolutePath = /(?:file:\/\/|(?<![\w.:/-]))\/(?!(?:v1|api|admin|models)\/)[\w.@+~-]+(?:\/[\w.@+~-]*)+/g;
const stackFrame = /\r?\n[ \t]*at [^\n]*/g;

/**
 * Error details from deeper layers (fs errors, ONNX Runtime, inference workers) can carry stack frames and
 * name files on the server; a client learns the layout from none of them.
 */
export function redactInternals(text: string): string {
  return text.replace(stackFrame, '').replace(absolutePath, '<path>');
}
