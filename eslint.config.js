// The linter: rules that catch bugs the type checker lets through (a promise nobody awaits, a switch that misses a
// case, a condition that is always true), with the types. Formatting is prettier's (npm run format), not ESLint's.
import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

const root = import.meta.dirname

const UNSAFE_ANY_OFF = Object.fromEntries(
  ['assignment', 'member-access', 'call', 'argument', 'return'].map((rule) => [`@typescript-eslint/no-unsafe-${rule}`, 'off']),
)

export default tseslint.config(
  {
    ignores: ['dist/', 'coverage/', '**/node_modules/', 'test/.docs-examples/', 'web/assets/'],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: root },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // a switch over a union names every member, or says `default`
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-import-type-side-effects': 'error',
      // a promise returned inside try without await escapes its catch
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // `_` names what is there on purpose and unused: a skipped element, a key dropped from a rest object
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/no-deprecated': 'error',
    },
  },
  {
    // The page: browser modules in plain JavaScript, typed by JSDoc and checked by tsconfig.web.json (the arrivals
    // worker by tsconfig.web-worker.json, under the WebWorker lib).
    files: ['web/**/*.js'],
    languageOptions: {
      globals: globals.browser,
      parserOptions: { projectService: false, project: ['./tsconfig.web.json', './tsconfig.web-worker.json'], tsconfigRootDir: root },
    },
    rules: {
      // What the server sends comes in as JSON (any) and the page reads it defensively (optional chains, typeof
      // checks, fallbacks); declaring a JSDoc type for every vendor frame it peeks into would add types, not checks.
      ...UNSAFE_ANY_OFF,
    },
  },
  {
    files: ['web/arrivals-worker.js'],
    languageOptions: { globals: globals.worker },
  },
  {
    files: ['test/**'],
    rules: {
      // A test reads response bodies as JSON (any) and asserts on them: a wrong shape fails the assertion.
      ...UNSAFE_ANY_OFF,
      '@typescript-eslint/no-explicit-any': 'off',
      // Tests hand async functions to APIs that take one (a tool's execute, a cache's maker) without awaiting in them.
      '@typescript-eslint/require-await': 'off',
      // Tests send the vendors' deprecated fields on purpose: tokensim still accepts them.
      '@typescript-eslint/no-deprecated': 'off',
    },
  },
  {
    files: ['eslint.config.js'],
    languageOptions: { globals: globals.node },
    ...tseslint.configs.disableTypeChecked,
  },
)
