import { createTheme } from '@mantine/core';

// System fonts only: the CSP allows no remote fonts, and the console runs offline.
export const theme = createTheme({
  primaryColor: 'indigo',
  defaultRadius: 'md',
  fontFamilyMonospace: 'ui-monospace, "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace',
});
