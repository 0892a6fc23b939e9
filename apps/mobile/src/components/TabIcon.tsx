import Svg, { Circle, Path, Rect } from 'react-native-svg';

export type TabIconName = 'practice' | 'sessions' | 'progress' | 'students' | 'profile';

/** Small line icons for the tab bar (no icon font to load). */
export function TabIcon({ name, color, size = 24 }: { name: TabIconName; color: string; size?: number }) {
  const stroke = { stroke: color, strokeWidth: 2, fill: 'none', strokeLinecap: 'round' as const };
  return (
    <Svg width={size} height={size} viewBox="0 0 24 24">
      {name === 'practice' ? (
        <>
          <Circle cx={12} cy={12} r={9} {...stroke} />
          <Circle cx={12} cy={12} r={4} fill={color} />
        </>
      ) : null}
      {name === 'sessions' ? <Path d="M5 6h14M5 12h14M5 18h9" {...stroke} /> : null}
      {name === 'progress' ? <Path d="M4 19l5-6 4 3 7-9" {...stroke} /> : null}
      {name === 'students' ? (
        <>
          <Circle cx={9} cy={8} r={3.5} {...stroke} />
          <Circle cx={17} cy={9} r={2.5} {...stroke} />
          <Path d="M3 20c0-3.5 2.7-6 6-6s6 2.5 6 6M15 15c3 0 6 1.8 6 5" {...stroke} />
        </>
      ) : null}
      {name === 'profile' ? (
        <>
          <Circle cx={12} cy={8} r={4} {...stroke} />
          <Rect x={4} y={14} width={16} height={7} rx={3.5} {...stroke} />
        </>
      ) : null}
    </Svg>
  );
}
