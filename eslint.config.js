// @ts-check
// Lint for the whole tree: the app (TypeScript and templates, accessibility included), the server, e2e, bench and .ci.
const eslint = require('@eslint/js');
const angular = require('angular-eslint');
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.angular/', 'coverage/', 'out-tsc/', 'e2e/artifacts/', 'test-results/', 'playwright-report/'] },
  {
    files: ['**/*.ts'],
    extends: [eslint.configs.recommended, ...tseslint.configs.recommended, ...tseslint.configs.stylistic, ...angular.configs.tsRecommended],
    processor: angular.processInlineTemplates,
    rules: {
      '@angular-eslint/component-selector': ['error', { type: 'element', prefix: 'app', style: 'kebab-case' }],
      '@angular-eslint/directive-selector': ['error', { type: 'attribute', prefix: 'app', style: 'camelCase' }],
      // Unused arguments named with a leading underscore are deliberate (Express handler signatures, destructuring).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    // The demo app uses the library exactly as a consumer does: through its two entry points, never its internals.
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/projects/**'], message: "Import from 'angular-token-refresh' or 'angular-token-refresh/testing'." },
            {
              regex: '^angular-token-refresh/(?!testing$)',
              message: "Only 'angular-token-refresh' and 'angular-token-refresh/testing' are public.",
            },
          ],
        },
      ],
    },
  },
  {
    // A secondary entry point reaches the main one by its package name, as ng-packagr requires.
    files: ['projects/angular-token-refresh/testing/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/src/lib/**', '../src/**'], message: "Import from 'angular-token-refresh'." }] },
      ],
    },
  },
  {
    // The consumer app's NgModule style is the point: it proves the library in apps that still declare components.
    files: ['e2e/consumer-app/src/module/**/*.ts'],
    rules: { '@angular-eslint/prefer-standalone': 'off' },
  },
  {
    files: ['**/*.html'],
    extends: [...angular.configs.templateRecommended, ...angular.configs.templateAccessibility],
  },
  {
    files: ['**/*.js'],
    extends: [eslint.configs.recommended],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly' },
    },
  },
);
