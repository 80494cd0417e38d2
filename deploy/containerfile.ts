import { readFileSync } from 'node:fs';

/** Just enough of a Dockerfile parser to check deploy/Containerfile: stages and their instructions. */

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  name: string;
  /** The base image, with the global ARG defaults substituted. */
  from: string;
  instructions: Instruction[];
}

export interface Containerfile {
  globalArgs: Record<string, string>;
  stages: Stage[];
}

export function parseContainerfile(file: string): Containerfile {
  // Comment lines go first (they may sit inside a continued instruction), then continuations are joined.
  const text = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  const instructions = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(line)!;
      return { keyword: keyword!.toUpperCase(), args: args!.replace(/\s+/g, ' ') };
    });

  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image, as, name] = instruction.args.split(' ');
      const from = image!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a?: string, b?: string) => globalArgs[(a ?? b)!] ?? '');
      stages.push({ name: as?.toUpperCase() === 'AS' ? name! : String(stages.length), from, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG') throw new Error(`${instruction.keyword} before the first FROM`);
      const [name, value = ''] = instruction.args.split('=');
      globalArgs[name!] = value;
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

/** The instructions of one keyword in a stage. */
export function argsOf(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}
