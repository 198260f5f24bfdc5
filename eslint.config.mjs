// ESLint flat config: typescript-eslint's type-checked rules over every TypeScript file the project compiles, with
// Prettier owning the layout (eslint-config-prettier turns off the rules that would fight it).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      '.sandbox/',
      'coverage/',
      'test-output/',
      '.deploy/',
      '.ci/.tools/',
      '.scratch/',
      'infra/.tools/',
      'infra/.build/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A leading underscore names what is left out on purpose (a property dropped from a copy, an unused argument).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
    },
  },
  { files: ['**/*.mjs', '**/*.js', '**/*.cjs'], ...tseslint.configs.disableTypeChecked },
  // In-memory ports and stubs implement async interfaces with plain returns.
  { files: ['test/**/*.ts'], rules: { '@typescript-eslint/require-await': 'off' } },
  prettier,
);
