// Lists the imports of a wasm module and fails if any comes from the host module `env`.
//
//   node scripts/wasm-imports.mjs FILE.wasm
import { readFileSync } from 'node:fs';

const path = process.argv[2];
const bytes = readFileSync(path);
const module = new WebAssembly.Module(bytes);
const imports = WebAssembly.Module.imports(module);
const exports = WebAssembly.Module.exports(module);

console.log(`${path}: ${bytes.length} bytes, ${exports.length} exports, ${imports.length} imports`);
for (const imp of imports) {
  console.log(`  import ${imp.module}.${imp.name} (${imp.kind})`);
}
const impure = imports.filter((imp) => imp.module === 'env');
if (impure.length > 0) {
  console.error(`FAIL: ${impure.length} import(s) from the host module "env":`);
  for (const imp of impure) console.error(`  env.${imp.name}`);
  process.exit(1);
}
console.log('OK: no import from "env"');
