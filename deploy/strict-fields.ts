import path from 'node:path';
import ts from 'typescript';

/**
 * The schema validators accept fields they don't know, so a misspelt `readinesProbe` would pass them and be
 * dropped by the API server. TypeScript's excess-property check on the kinds' interfaces catches it:
 * each object becomes `const value: IDeployment = {...}` in a virtual file, type-checked in memory.
 */

export interface TypedObject {
  label: string;
  typeModule: string;
  typeName: string;
  value: unknown;
}

const options: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  types: [],
};

/** One message per problem, prefixed with the object's label; empty when every object fits its type. */
export function typeErrors(objects: TypedObject[]): string[] {
  const sources = new Map<string, TypedObject & { text: string }>();
  objects.forEach((object, i) => {
    const text = `import type { ${object.typeName} as T } from '${object.typeModule}';\nexport const value: T = ${JSON.stringify(object.value, null, 2)};\n`;
    // Inside deploy/, so that the imports resolve through the repository's node_modules.
    sources.set(path.join(import.meta.dirname, `__typed-object-${i}.ts`), { ...object, text });
  });

  const host = ts.createCompilerHost(options);
  const readSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (name, languageVersion, ...rest) => {
    const source = sources.get(name);
    return source ? ts.createSourceFile(name, source.text, languageVersion) : readSourceFile(name, languageVersion, ...rest);
  };
  host.fileExists = (name) => sources.has(name) || fileExists(name);

  const program = ts.createProgram([...sources.keys()], options, host);
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const source = diagnostic.file && sources.get(diagnostic.file.fileName);
    const where = source && diagnostic.start !== undefined ? fieldPath(diagnostic.file!, diagnostic.start) : '';
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
    return `${source?.label ?? diagnostic.file?.fileName ?? 'typescript'}${where}: ${message}`;
  });
}

/** The property names enclosing a position in the generated literal, e.g. ` at spec.template.spec.containers`. */
function fieldPath(file: ts.SourceFile, position: number): string {
  const names: string[] = [];
  const visit = (node: ts.Node): void => {
    if (position < node.getStart(file) || position >= node.getEnd()) return;
    if (ts.isPropertyAssignment(node) && ts.isStringLiteral(node.name)) names.push(node.name.text);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return names.length > 0 ? ` at ${names.join('.')}` : '';
}
