// GraphQL Code Generator: the server's schema (checked in by the users
// service) plus our operations (src/graphql/*.graphql) become typed documents
// in src/generated/graphql/. A query that asks for a field the schema lacks,
// or a variable of the wrong type, fails here instead of in the browser.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: '../services/users/schema.graphql',
  documents: ['src/graphql/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'src/generated/graphql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        // Plain strings, not parsed ASTs: the app sends them with fetch and
        // needs no graphql runtime in the bundle.
        documentMode: 'string',
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { DateTime: 'string', UUID: 'string' },
        strictScalars: true,
      },
    },
  },
};

export default config;
