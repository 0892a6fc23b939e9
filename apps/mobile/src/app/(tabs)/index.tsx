import { Redirect } from 'expo-router';
import { useAppSelector } from '../../state/store';

/** "/" opens the first tab of the active role. */
export default function Home() {
  const role = useAppSelector((state) => state.session.user?.activeRole);
  return <Redirect href={role === 'teacher' ? '/students' : '/practice'} />;
}
