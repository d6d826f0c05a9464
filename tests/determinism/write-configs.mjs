// Writes the first COUNT generated configs (see configs.mjs) as DIR/generated-NNNN.json, one
// JSON file each, for checks that run them through the command line.
//
//   node tests/determinism/write-configs.mjs DIR COUNT
import fs from "node:fs";
import path from "node:path";
import { generated } from "./configs.mjs";

const [dir, countArg] = process.argv.slice(2);
const count = Number(countArg ?? 100);
fs.mkdirSync(dir, { recursive: true });
for (let i = 0; i < count; i++) {
  const name = `generated-${String(i).padStart(4, "0")}.json`;
  fs.writeFileSync(path.join(dir, name), JSON.stringify(generated(i)));
}
