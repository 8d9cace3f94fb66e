// A README quick start's code block, as written (the Python suite's test_readme_quickstarts.py
// reads the Node, Python and C ones the same way).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function quickStart(repo, section, language = 'js') {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const start = readme.indexOf(`## Quick start: ${section}\n`);
  if (start === -1) throw new Error(`README has no "Quick start: ${section}"`);
  const end = readme.indexOf('\n## ', start + 1);
  const match = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\`\\n`).exec(readme.slice(start, end === -1 ? undefined : end));
  if (!match) throw new Error(`"Quick start: ${section}" has no ${language} block`);
  return match[1];
}
