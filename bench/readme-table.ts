import { readFileSync, writeFileSync } from 'node:fs';

/** Copies bench/results/latest.md into the README's Performance section. */
const readme = readFileSync('README.md', 'utf8');
const latest = readFileSync('bench/results/latest.md', 'utf8').trim();
const updated = readme.replace(
  /<!-- bench:latest -->[\s\S]*<!-- \/bench:latest -->/,
  `<!-- bench:latest -->\n${latest}\n<!-- /bench:latest -->`,
);
writeFileSync('README.md', updated);
