#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI is compiled TypeScript under dist/ (built by `npm run build`).
const path = require('path');
const fs = require('fs');
const entry = path.join(__dirname, '..', 'dist', 'client', 'cli.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('hakube is not built yet: run `bash scripts/setup.sh` (or `npm run build`) first.\n');
  process.exit(2);
}
require(entry)
  .main(process.argv)
  .then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`hakube: ${err && err.stack ? err.stack : err}\n`);
      process.exit(1);
    },
  );
