// jest-expo for the app's unit and component tests (only apps/mobile/src; E2E is e2e/run-e2e.mjs).
/** @type {import('jest').Config} */
module.exports = {
  preset: 'jest-expo',
  roots: ['<rootDir>/src'],
  testMatch: ['**/*.test.ts', '**/*.test.tsx'],
  transformIgnorePatterns: [
    'node_modules/(?!((jest-)?react-native|@react-native(-community)?|expo(nent)?|@expo(nent)?/.*|@expo-google-fonts/.*|react-navigation|@react-navigation/.*|react-native-svg|react-native-gifted-charts|gifted-charts-core|@rosin/.*|react-redux|@reduxjs/toolkit|redux|reselect|immer|@tanstack/.*|standard-navigation))',
  ],
};
