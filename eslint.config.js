import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'bench/results/**',
      'test-results/**',
      'control-plane/src/generated/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Read the environment only in config.ts (DESIGN §8).',
        },
      ],
    },
  },
  {
    // The admin UI runs in the browser.
    files: ['admin-ui/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Entry points hand the environment to config.ts; tests and benchmarks set up services.
    files: ['**/config.ts', '**/bin/*.js', 'tests/**', 'bench/**', 'control-plane/tools/**', '**/*.test.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
