#!/usr/bin/env node
// Parses DBML files with the official compiler (@dbml/core, pinned in
// package.json) and exits non-zero on any diagnostic.
//
// Usage: node check.js FILE.dbml [...]
//
// The 'dbmlv2' format is @dbml/parse's compiler, which dbdiagram.io and
// @dbml/core's own importer and exporter use. The older 'dbml' format is the
// deprecated PEG parser: it knows neither `checks` blocks nor TableGroup
// settings, so it is not the reference.
'use strict';

const fs = require('node:fs');
const { Parser } = require('@dbml/core');

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node check.js FILE.dbml [...]');
  process.exit(2);
}

let failed = false;
for (const file of files) {
  const text = fs.readFileSync(file, 'utf8');
  try {
    const database = new Parser().parse(text, 'dbmlv2');
    const schema = database.schemas[0];
    const tables = schema ? schema.tables.length : 0;
    if (tables === 0) {
      throw { diags: [{ message: 'no tables' }] };
    }
    console.log(
      `${file}: ok (${tables} tables, ${schema.refs.length} refs, ${schema.enums.length} enums, ` +
        `${schema.tableGroups.length} table groups)`,
    );
  } catch (error) {
    failed = true;
    const diagnostics = Array.isArray(error && error.diags) ? error.diags : [error];
    for (const diagnostic of diagnostics) {
      const start = diagnostic && diagnostic.location && diagnostic.location.start;
      const where = start ? `${file}:${start.line}:${start.column}` : file;
      console.error(`${where}: ${(diagnostic && diagnostic.message) || diagnostic}`);
    }
  }
}
process.exit(failed ? 1 : 0);
