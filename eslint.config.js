// Flat config: typescript-eslint recommended, plus the repo's portability rule:
// the device core and shared/ must not reach for Node APIs (they run in XS on the ESP32).
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

const nodeOnly = ['node:*', 'fs', 'path', 'os', 'net', 'child_process', 'crypto', 'events', 'buffer', 'mqtt'];

module.exports = tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.data/**', '.tmp/**', '.cache/**', 'hil-output/**', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['shared/src/**/*.ts', 'device/core/**/*.ts', 'device/drivers/**/*.ts', 'device/dsp/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: nodeOnly, patterns: ['node:*'] }],
      'no-restricted-globals': ['error', 'Buffer', 'process', 'setTimeout', 'setInterval', 'require', '__dirname'],
    },
  },
);
