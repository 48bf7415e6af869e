// Where the widget's bytes are: per source module of each built widget file (dist/widget: the
// loader, the shared rendering chunk, each kind's file), its minified bytes, its gzip -9 alone, and
// what removing it would save of the file's gzip -9 ("marginal", the figure to trim by). Output
// bytes are attributed to sources through the file's source map. Run after `node build.mjs`:
//   node bench/widget-modules.mjs
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const DIR = new URL('../dist/widget/', import.meta.url);
const gz = (text) => gzipSync(text, { level: 9 }).length;
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** [generated line, generated column, source index] of each mapping (source-map v3 VLQ). */
function mappings(map) {
  const out = [];
  let source = 0;
  map.mappings.split(';').forEach((line, lineNo) => {
    let column = 0;
    for (const segment of line.split(',')) {
      if (!segment) continue;
      const fields = [];
      let value = 0;
      let shift = 0;
      for (const ch of segment) {
        const digit = B64.indexOf(ch);
        value += (digit & 31) << shift;
        if (digit & 32) shift += 5;
        else {
          fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = shift = 0;
        }
      }
      column += fields[0];
      if (fields.length > 1) source += fields[1];
      out.push([lineNo, column, fields.length > 1 ? source : -1]);
    }
  });
  return out;
}

function breakdown(name) {
  const code = readFileSync(new URL(name, DIR), 'utf8').replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n');
  const map = JSON.parse(readFileSync(new URL(`${name}.map`, DIR), 'utf8'));
  const starts = [0];
  for (let i = 0; i < code.length; i++) if (code[i] === '\n') starts.push(i + 1);
  const marks = mappings(map)
    .map(([line, column, source]) => [starts[line] + column, source < 0 ? '(unmapped)' : map.sources[source].replace(/^(\.\.\/)+/, '').replace(/^.*node_modules\//, '')])
    .sort((a, b) => a[0] - b[0]);
  const owner = new Array(code.length).fill('(unmapped)');
  marks.forEach(([at, source], i) => owner.fill(source, at, i + 1 < marks.length ? marks[i + 1][0] : code.length));
  const total = gz(code);
  const rows = [...new Set(owner)].map((source) => {
    let own = '';
    let rest = '';
    for (let i = 0; i < code.length; i++) owner[i] === source ? (own += code[i]) : (rest += code[i]);
    return { source, bytes: own.length, alone: gz(own), marginal: total - gz(rest) };
  });
  rows.sort((a, b) => b.marginal - a.marginal);
  console.log(`\n${name}: ${code.length} B minified, ${total} B gzip -9 (without its source-map line)`);
  console.log(`${'module'.padEnd(44)}${'min B'.padStart(8)}${'gz alone'.padStart(10)}${'marginal'.padStart(10)}`);
  for (const r of rows) console.log(`${r.source.padEnd(44)}${String(r.bytes).padStart(8)}${String(r.alone).padStart(10)}${String(r.marginal).padStart(10)}`);
}

const manifest = JSON.parse(readFileSync(new URL('manifest.json', DIR), 'utf8'));
for (const name of [manifest.esm, manifest.chunk, ...Object.values(manifest.kinds ?? {})]) breakdown(name);
