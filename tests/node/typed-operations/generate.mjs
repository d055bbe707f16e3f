// GraphQL Code Generator (typescript + typescript-operations) for operations.graphql against a
// schema file. Usage: node typed-operations/generate.mjs <schema.graphql> <out.ts>
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { codegen } from "@graphql-codegen/core";
import * as typescriptOperations from "@graphql-codegen/typescript-operations";
import { buildSchema, parse, validate } from "graphql";

const [schemaPath, outPath] = process.argv.slice(2);
const here = dirname(fileURLToPath(import.meta.url));
const schema = buildSchema(await readFile(schemaPath, "utf8"));
const document = parse(await readFile(join(here, "operations.graphql"), "utf8"));

// The codegen CLI validates documents against the schema before generating; the core API does not.
const errors = validate(schema, document);
if (errors.length > 0) {
  for (const error of errors) console.error(error.message);
  process.exit(1);
}

const output = await codegen({
  schema: parse(await readFile(schemaPath, "utf8")),
  schemaAst: schema,
  documents: [{ location: "operations.graphql", document }],
  filename: outPath,
  config: { scalars: { DateTime: "string", JSON: "unknown" } },
  // typescript-operations 6 emits the input and enum types it needs by itself.
  plugins: [{ "typescript-operations": {} }],
  pluginMap: { "typescript-operations": typescriptOperations },
});
await writeFile(outPath, output);
