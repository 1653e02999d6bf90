import type { z } from 'zod';
import { CustosError } from '../errors.js';

export interface PolicyIssue {
  /** JSON path into the file, e.g. `$.rules[3].severity`. */
  path: string;
  message: string;
}

/**
 * A policy pack or composition that cannot be used, naming the file and where in it. Carries
 * E_INPUT: the file is input that failed validation (nothing is changed when it is thrown).
 */
export class PolicyFileError extends CustosError {
  readonly file: string;
  readonly issues: readonly PolicyIssue[];
  constructor(file: string, issues: PolicyIssue[]) {
    const shown = issues.slice(0, 20).map((i) => `  ${i.path}: ${i.message}`);
    if (issues.length > 20) shown.push(`  … and ${issues.length - 20} more`);
    super('E_INPUT', `Policy file ${file} is not valid:\n${shown.join('\n')}`);
    this.name = 'PolicyFileError';
    this.file = file;
    this.issues = issues;
  }
}

const IDENT = /^[A-Za-z_$][\w$]*$/;

/**
 * `$.rules[3].severity`, with the id of the rule (or other element) the path passes through added
 * when the raw document has one, so a person can find it: `$.rules[3].severity (rule "x.y")`.
 */
export function jsonPath(path: readonly PropertyKey[], raw?: unknown): string {
  let out = '$';
  let node: unknown = raw;
  let named: string | null = null;
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && IDENT.test(seg)) out += `.${seg}`;
    else out += `[${JSON.stringify(String(seg))}]`;
    node = node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[seg as string] : undefined;
    if (typeof seg === 'number' && node && typeof node === 'object' && typeof (node as { id?: unknown }).id === 'string') {
      named = (node as { id: string }).id;
    }
  }
  return named ? `${out} (rule "${named}")` : out;
}

export function zodIssues(error: z.ZodError, raw: unknown): PolicyIssue[] {
  return error.issues.map((i) => ({ path: jsonPath(i.path, raw), message: i.message }));
}
