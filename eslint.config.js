// Lint: typescript-eslint's type-checked rules over model/, impl/ and properties/ (formatting is Prettier's).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // the library example imports kfmd by package name: the pack test typechecks it against the built package
  {
    ignores: [
      'node_modules/',
      'reports/',
      'dist/',
      '.kfmd/',
      '**/*.mjs',
      'eslint.config.js',
      'properties/library/example/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // a non-null assertion needs a comment saying why the type cannot express it
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      // generators yield steps without always awaiting anything: require-yield does not apply to Op<T>
      'require-yield': 'off',
    },
  },
);
