// One jest setup, several projects: unit tests sit beside the code (*.spec.ts),
// integration tests (*.int-spec.ts) boot real servers (influxd, mosquitto, the backend).
const fs = require('node:fs');
const swcrc = JSON.parse(fs.readFileSync(`${__dirname}/.swcrc`, 'utf8'));
const transform = { '^.+\\.ts$': ['@swc/jest', { ...swcrc, swcrc: false }] };
const moduleNameMapper = { '^@dinmeter/shared$': '<rootDir>/shared/src/index.ts' };
const common = { rootDir: __dirname, transform, moduleNameMapper, testEnvironment: 'node' };

module.exports = {
  projects: [
    { ...common, displayName: 'shared', testMatch: ['<rootDir>/shared/**/*.spec.ts'] },
    { ...common, displayName: 'device', testMatch: ['<rootDir>/device/**/*.spec.ts'] },
    { ...common, displayName: 'schematics', testMatch: ['<rootDir>/schematics/**/*.spec.ts'] },
    { ...common, displayName: 'backend', testMatch: ['<rootDir>/backend/src/**/*.spec.ts'] },
    { ...common, displayName: 'hil', testMatch: ['<rootDir>/hil-tests/**/*.spec.ts'] },
    { ...common, displayName: 'infra', testMatch: ['<rootDir>/infra/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/**/*.int-spec.ts'],
      testPathIgnorePatterns: ['/node_modules/'],
      testTimeout: 180000,
    },
  ],
};
