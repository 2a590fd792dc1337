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
    // Prisma only in repositories (DESIGN §9): everything else asks one. The composition root
    // (runtime.ts, app.ts, main.ts) hands the database to them.
    files: ['control-plane/src/**/*.ts'],
    ignores: [
      'control-plane/src/repositories/**',
      'control-plane/src/db/**',
      'control-plane/src/runtime.ts',
      'control-plane/src/app.ts',
      'control-plane/src/main.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/db/client.js', '**/generated/prisma/*', '@prisma/*'],
              message: 'Prisma only in repositories/: add a repository method and call it.',
            },
          ],
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
