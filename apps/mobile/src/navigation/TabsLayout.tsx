import { Tabs } from 'expo-router';
import { TabIcon, type TabIconName } from '../components/TabIcon';
import { usePalette } from '../design/theme';
import { useAppSelector } from '../state/store';

/**
 * The tabs for the active role. Students: Practice, Sessions, Progress, Profile; teachers: Students, Profile.
 * Later features (feedback, lessons, community) get their own tab or a stack under one.
 */
export default function TabsLayout() {
  const role = useAppSelector((state) => state.session.user?.activeRole ?? 'student');
  const palette = usePalette();
  const student = role === 'student';
  const tab = (name: TabIconName, title: string, visible: boolean) => ({
    title,
    tabBarAccessibilityLabel: title,
    tabBarIcon: ({ color }: { color: unknown }) => <TabIcon name={name} color={String(color)} />,
    ...(visible ? {} : { href: null }),
  });
  return (
    <Tabs
      screenOptions={{
        headerShown: false,
        tabBarActiveTintColor: palette.primary,
        tabBarInactiveTintColor: palette.textMuted,
        tabBarStyle: { backgroundColor: palette.surface, borderTopColor: palette.border },
      }}
    >
      <Tabs.Screen name="index" options={{ href: null }} />
      <Tabs.Screen name="practice" options={tab('practice', 'Practice', student)} />
      <Tabs.Screen name="sessions" options={tab('sessions', 'Sessions', student)} />
      <Tabs.Screen name="progress" options={tab('progress', 'Progress', student)} />
      <Tabs.Screen name="students" options={tab('students', 'Students', !student)} />
      <Tabs.Screen name="profile" options={tab('profile', 'Profile', true)} />
    </Tabs>
  );
}
