import { useColorScheme } from 'react-native';

/** Design tokens: spacing, type and the two palettes. Dark mode follows the system. */
export const space = { xs: 4, sm: 8, md: 12, lg: 16, xl: 24, xxl: 32 } as const;
export const radius = { sm: 6, md: 10, lg: 16 } as const;
export const fontSize = { sm: 13, md: 15, lg: 18, xl: 24, xxl: 32 } as const;

export interface Palette {
  background: string;
  surface: string;
  surfaceMuted: string;
  text: string;
  textMuted: string;
  border: string;
  primary: string;
  onPrimary: string;
  danger: string;
  success: string;
  warning: string;
  info: string;
  chartLine: string;
  chartLine2: string;
}

const light: Palette = {
  background: '#f7f3ee',
  surface: '#ffffff',
  surfaceMuted: '#efe7de',
  text: '#1f1a16',
  textMuted: '#6b625a',
  border: '#ddd2c6',
  primary: '#8a4b2a',
  onPrimary: '#ffffff',
  danger: '#b3261e',
  success: '#2e7d32',
  warning: '#a15c00',
  info: '#1d5fa8',
  chartLine: '#8a4b2a',
  chartLine2: '#1d5fa8',
};

const dark: Palette = {
  background: '#14110f',
  surface: '#1f1a17',
  surfaceMuted: '#2a2420',
  text: '#f3ece5',
  textMuted: '#b3a79b',
  border: '#3a322c',
  primary: '#e0a17a',
  onPrimary: '#1f1a16',
  danger: '#f2b8b5',
  success: '#8fd694',
  warning: '#f0c27a',
  info: '#9cc3f5',
  chartLine: '#e0a17a',
  chartLine2: '#9cc3f5',
};

export function usePalette(): Palette {
  return useColorScheme() === 'dark' ? dark : light;
}
