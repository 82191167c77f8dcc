/** docs/sanity.md and README.md keep in step with the code: one row per rule, same severity and words. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_RULES } from '../../src/sanity/dockerfile/all-rules.ts';
import { environmentChecks } from '../../src/sanity/environment/environment-checks.ts';
import { REPO_ROOT } from '../support/run-cli.ts';

const SANITY_DOC = readFileSync(join(REPO_ROOT, 'docs', 'sanity.md'), 'utf8');

/** Table cells of the lines starting with `| GB`, with code formatting removed. */
function ruleRows(markdown: string): string[][] {
  return markdown.split('\n').filter((line) => line.startsWith('| GB'))
    .map((line) => line.slice(1, -1).split(' | ').map((cell) => cell.trim().replaceAll('`', '')));
}

describe('docs/sanity.md', () => {
  it('has one row per rule, in order, with its severity, title and fix', () => {
    expect(ruleRows(SANITY_DOC)).toEqual(ALL_RULES.map((rule) => [rule.id, rule.severity, rule.title, rule.fix]));
  });

  it('rule ids are unique and well formed', () => {
    const ids = ALL_RULES.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^GB\d{3}$/);
  });

  it('lists every environment check id', () => {
    for (const check of environmentChecks('/nonexistent/gradebox-home')) expect(SANITY_DOC, check.id).toContain(`\`${check.id}\``);
  });
});

describe('README.md', () => {
  it('has a gradebox sanity section pointing at docs/sanity.md', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme).toMatch(/^## `gradebox sanity`$/m);
    expect(readme).toContain('docs/sanity.md');
  });
});
