// `npm test`'s docs check: every relative link in the README, the guides and the package's own pages points at a file
// (and heading) that exists; a snippet shown in two places is the same in both; the testing guide shows its spec as it is.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = join(__dirname, '..');
const pages = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
  'projects/angular-token-refresh/README.md',
  'projects/angular-token-refresh/CHANGELOG.md',
];

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchors(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#+ (.+)$/gm)].map(([, heading]) => slug(heading)));
}

/** Problems found, one line each. */
function check(): string[] {
  const problems: string[] = [];
  const snippets = new Map<string, { page: string; body: string }>();
  for (const page of pages) {
    const file = join(root, page);
    const text = readFileSync(file, 'utf8');
    const prose = text.replace(/```[\s\S]*?```/g, '');
    for (const [, target] of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^(https?:|mailto:)/.test(target)) {
        continue;
      }
      const [path, anchor] = target.split('#');
      const linked = path ? resolve(dirname(file), path) : file;
      if (!existsSync(linked)) {
        problems.push(`${page}: link to ${target}: no such file`);
      } else if (anchor && linked.endsWith('.md') && !anchors(linked).has(anchor)) {
        problems.push(`${page}: link to ${target}: ${relative(root, linked)} has no heading #${anchor}`);
      }
    }
    for (const [, body] of text.matchAll(/```ts\n(\/\/ [^\n]+\n[\s\S]*?)```\n/g)) {
      const first = body.slice(0, body.indexOf('\n'));
      const seen = snippets.get(first);
      if (seen && seen.body !== body) {
        problems.push(`${page}: the snippet "${first}" differs from the one in ${seen.page}`);
      }
      snippets.set(first, seen ?? { page, body });
    }
  }
  const spec = readFileSync(join(root, 'src/app/testing-guide.spec.ts'), 'utf8');
  if (!readFileSync(join(root, 'docs/testing.md'), 'utf8').includes('```ts\n' + spec + '```')) {
    problems.push('docs/testing.md: does not show src/app/testing-guide.spec.ts as it is');
  }
  return problems;
}

const problems = check();
problems.forEach((problem) => console.error(problem));
console.log(`docs: ${pages.length} pages checked, ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
process.exitCode = problems.length > 0 ? 1 : 0;
