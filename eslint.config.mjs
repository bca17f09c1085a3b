import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import vue from 'eslint-plugin-vue'
import globals from 'globals'
import layers from './eslint/plugin.mjs'

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'dist/**', 'test-results/**', 'resources/**', 'docs/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/essential'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] }, globals: globals.browser },
  },
  { files: ['src-renderer/**'], languageOptions: { globals: globals.browser } },
  { files: ['src-main/**', 'bench/**', 'scripts/**', 'test/**', 'bin/**', '*.config.*', 'eslint/**'], languageOptions: { globals: globals.node } },
  {
    plugins: { layers },
    rules: {
      'layers/boundaries': 'error',
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // The New-run form's field groups edit the one reactive form object NewRunForm owns.
    files: ['src-renderer/src/components/RunField*.vue', 'src-renderer/src/components/SweepFields.vue'],
    rules: { 'vue/no-mutating-props': ['error', { shallowOnly: true }] },
  },
  {
    // The UI never knows which transport it runs on: only the API client touches the bridge.
    files: ['src-renderer/**'],
    ignores: ['src-renderer/src/api/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'window', property: 'splineLab', message: 'use the API client (api.host, api.call) instead of the bridge' },
      ],
    },
  },
)
