// ESLint flat config: strict TypeScript everywhere, and determinism guards for the code
// that runs inside the Temporal workflow sandbox (workflows/) or is shared with it (cluster/).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeModules = ['fs', 'net', 'os', 'child_process', 'crypto', 'http', 'https', 'ssh2', 'dns', 'path'];
const forbiddenImports = nodeModules.flatMap((m) => [m, `node:${m}`, `${m}/*`, `node:${m}/*`]);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', 'results/**', 'bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['workflows/**/*.ts', 'cluster/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: forbiddenImports }],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Use the workflow clock, or take time as an argument.' },
        {
          object: 'Math',
          property: 'random',
          message: 'Randomness breaks determinism; take it as an argument.',
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'new Date() reads the clock; take time as an argument.',
        },
      ],
    },
  },
);
