#!/usr/bin/env node
// A `solc` look-alike over npm's solc-js, so py-solc-x can drive it as `solc_binary`.
// Answers `--version` like native solc and `--standard-json` (stdin -> stdout) with an
// import callback that reads the project's files and node_modules (solc-js cannot).
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const args = process.argv.slice(2);
if (args.includes('--version')) {
  process.stdout.write('solc, the solidity compiler commandline interface\nVersion: ' + solc.version() + '\n');
  process.exit(0);
}
if (!args.includes('--standard-json')) {
  process.stderr.write('solcjs-shim: only --version and --standard-json are supported\n');
  process.exit(2);
}
const roots = [process.cwd(), path.join(process.cwd(), 'node_modules'), path.join(__dirname, '..', 'node_modules'), path.join(__dirname, '..')];
function findImports(p) {
  for (const root of roots) {
    const full = path.resolve(root, p);
    if (fs.existsSync(full)) return { contents: fs.readFileSync(full, 'utf8') };
  }
  return { error: 'File not found: ' + p };
}
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  process.stdout.write(solc.compile(input, { import: findImports }));
});
