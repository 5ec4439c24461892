/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Transpile only: `npm test` type-checks the whole project once with tsc before jest runs.
  transform: { '^.+\\.ts$': 'ts-jest' },
  // Real-server tests start processes; give them room, but never hang CI.
  testTimeout: 120000,
  verbose: false,
};
